-- one row per clean refund event
with

money_events as (
    select * from {{ ref('fct_money_events') }}
),

final as (
    select
        -- keys
        event_id,
        order_id,
        user_id,
        -- time
        event_at as refunded_at,
        event_date as refund_date,
        -- money
        currency,
        amount,
        fx_rate,
        amount_reporting
    from money_events
    where event_name = 'refund'
)

select * from final
