-- one row per clean purchase or refund event, with its money converted to var('reporting_currency')
with

clean_events as (
    select * from {{ ref('fct_events') }}
),

raw_events as (
    select * from {{ ref('stg_raw__events') }}
),

money_events as (
    -- the winning raw copy of each clean event: same event_id, same file, first line
    select distinct on (clean_events.event_id)
        clean_events.event_id,
        clean_events.event_name,
        clean_events.order_id,
        clean_events.user_id,
        clean_events.event_at,
        clean_events.event_date,
        raw_events.currency,
        raw_events.amount,
        raw_events.cost
    from clean_events
    inner join raw_events
        on
            clean_events.event_id = raw_events.event_id
            and clean_events.file_id = raw_events.file_id
    where clean_events.event_name in ('purchase', 'refund')
    order by clean_events.event_id asc, raw_events.line_number asc
),

converted as (
    select
        *,
        {{ fx_rate('money_events.currency', 'money_events.event_date') }} as fx_rate
    from money_events
),

final as (
    select
        event_id,
        event_name,
        order_id,
        user_id,
        event_at,
        event_date,
        currency,
        amount,
        cost,
        fx_rate,
        amount * fx_rate as amount_reporting,
        cost * fx_rate as cost_reporting
    from converted
)

select * from final
