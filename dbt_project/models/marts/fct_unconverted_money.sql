-- one row per (source, delivery_date, currency, money_date) with money no fx rate converts to the reporting currency:
-- no rate of its currency on or before its business date, or (events) no currency. Its *_reporting amounts are null,
-- so every sum leaves it out: kpi_data_quality counts these records and the alert rule money_unconverted names them.
with

money_events as (
    select * from {{ ref('fct_money_events') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend_daily') }}
),

ledger as (
    select * from {{ ref('stg_ops__ingest_ledger') }}
),

unconverted as (
    select
        'events' as source,
        ledger.delivery_date,
        money_events.currency,
        money_events.event_date as money_date
    from money_events
    inner join ledger on money_events.file_id = ledger.file_id
    where money_events.fx_rate is null
    union all
    select
        'marketing_spend' as source,
        spend.delivery_date,
        spend.currency,
        spend.spend_date as money_date
    from spend
    where spend.fx_rate is null
),

final as (
    select
        source,
        delivery_date,
        currency,
        money_date,
        count(*)::bigint as records
    from unconverted
    group by source, delivery_date, currency, money_date
)

select * from final
