-- one row per delivered fx rate record (re-deliveries kept; int_fx_rates_resolved keeps the latest delivery)
with

rates as (
    select * from {{ source('raw', 'fx_rates') }}
),

ledger as (
    -- files the raw gate held back (README: Quality gates) stay out of the marts
    select * from {{ source('ops', 'ingest_ledger') }}
    where held_because is null
),

final as (
    select
        rates.file_id,
        rates.line_number,
        ledger.delivery_date,
        {{ parse_date('rates.date') }} as rate_date,
        upper(btrim(rates.currency)) as currency,
        {{ parse_number('rates.rate') }} as rate
    from rates
    inner join ledger on rates.file_id = ledger.file_id
)

select * from final
