-- one row per order_id: clean purchase events deduplicated by order_id, the earliest event_at wins (ties by event_id)
with

money_events as (
    select * from {{ ref('fct_money_events') }}
),

purchases as (
    select *
    from money_events
    where event_name = 'purchase' and order_id is not null
),

earliest as (
    {{ deduplicate('purchases', ['order_id'], order_by='event_at asc, event_id asc') }}
),

final as (
    select
        -- keys
        order_id,
        event_id,
        user_id,
        -- time
        event_at as ordered_at,
        event_date as order_date,
        -- money
        currency,
        amount,
        cost,
        fx_rate,
        amount_reporting,
        cost_reporting
    from earliest
)

select * from final
