-- one row per (currency, rate_date): the rate to var('reporting_currency'); delivered rates win over the fallback seed
with

delivered as (
    select * from {{ ref('stg_raw__fx_rates') }}
),

fallback as (
    select * from {{ ref('fx_fallback_rates') }}
),

latest_delivered as (
    {{ deduplicate('delivered', ['currency', 'rate_date'], keep='latest') }}
),

reporting_currency as (
    select usd_per_unit
    from fallback
    where upper(btrim(currency)) = '{{ var("reporting_currency") }}'
),

fallback_to_reporting as (
    select
        upper(btrim(fallback.currency)) as currency,
        -- valid from the earliest date a record can carry (Python's date.min, where ingestion reads dates): a fallback
        -- covers all history, and a delivered rate wins from its own date on
        '0001-01-01'::date as rate_date,
        {{ ratio_divide('fallback.usd_per_unit', 'reporting_currency.usd_per_unit') }} as rate
    from fallback
    cross join reporting_currency
),

unioned as (
    select
        currency,
        rate_date,
        rate,
        'delivered' as rate_source,
        delivery_date
    from latest_delivered
    union all
    select
        fallback_to_reporting.currency,
        fallback_to_reporting.rate_date,
        fallback_to_reporting.rate,
        'fallback' as rate_source,
        null::date as delivery_date
    from fallback_to_reporting
    left join latest_delivered
        on
            fallback_to_reporting.currency = latest_delivered.currency
            and fallback_to_reporting.rate_date = latest_delivered.rate_date
    where latest_delivered.currency is null
),

final as (
    select
        currency,
        rate_date,
        rate,
        rate_source,
        delivery_date
    from unioned
    where currency <> '{{ var("reporting_currency") }}'
)

select * from final
