-- one row per (period_type, period_start) with an order, a refund or spend: days, ISO weeks (Monday), calendar months
-- The one bucketing of money that kpi_daily (days) and kpi_periodic (weeks, months) share: every fact is bucketed with
-- date_trunc (linear in its rows), never range-joined to the periods.
-- Incremental: the periods from the first one holding the earliest date new files can change are recomputed
-- (macros/recompute.sql) from the facts dated from that period's start on.
-- depends_on: {{ ref('fct_events') }}, {{ ref('stg_raw__marketing_spend') }}, {{ ref('stg_raw__fx_rates') }},
-- {{ ref('stg_ops__ingest_ledger') }}
-- the key, enforced on every insert (a data test would scan the whole table on every run)
{{
    config(
        materialized=recomputed_materialization(),
        pre_hook="{{ recompute_dates_from_start('period_start', periods=['week', 'month'],\n   until='(select max(spend.spend_date) from ' ~ ref('fct_marketing_spend_daily') ~ ' as spend)') }}",
        post_hook="{{ save_watermark() }}",
        indexes=[{"columns": ["period_type", "period_start"], "unique": true}],
    )
}}
with

orders as (
    select * from {{ ref('fct_orders') }}
    where order_date >= {{ recomputed_from() }} or {{ recomputed_from() }} is null
),

refunds as (
    select * from {{ ref('fct_refunds') }}
    where refund_date >= {{ recomputed_from() }} or {{ recomputed_from() }} is null
),

spend as (
    select * from {{ ref('fct_marketing_spend_daily') }}
    where spend_date >= {{ recomputed_from() }} or {{ recomputed_from() }} is null
),

period_types as (
    select period_type
    from (values ('day'), ('week'), ('month')) as p (period_type)
),

user_period_orders as (
    select
        period_types.period_type,
        date_trunc(period_types.period_type, orders.order_date::timestamp)::date as period_start,
        orders.user_id,
        count(*) as orders,
        sum(orders.amount_reporting) as gross_revenue,
        sum(orders.cost_reporting) as cogs
    from orders
    cross join period_types
    group by
        period_types.period_type,
        date_trunc(period_types.period_type, orders.order_date::timestamp),
        orders.user_id
),

period_orders as (
    select
        period_type,
        period_start,
        sum(orders) as orders,
        count(user_id) as buyers,
        count(user_id) filter (where orders >= 2) as repeat_buyers,
        sum(gross_revenue) as gross_revenue,
        coalesce(sum(cogs), 0) as cogs
    from user_period_orders
    group by period_type, period_start
),

period_refunds as (
    select
        period_types.period_type,
        date_trunc(period_types.period_type, refunds.refund_date::timestamp)::date as period_start,
        sum(refunds.amount_reporting) as refunds
    from refunds
    cross join period_types
    group by period_types.period_type, date_trunc(period_types.period_type, refunds.refund_date::timestamp)
),

period_spend as (
    select
        period_types.period_type,
        date_trunc(period_types.period_type, spend.spend_date::timestamp)::date as period_start,
        sum(spend.spend_reporting) as marketing_spend
    from spend
    cross join period_types
    group by period_types.period_type, date_trunc(period_types.period_type, spend.spend_date::timestamp)
),

periods as (
    select
        period_type,
        period_start
    from period_orders
    union
    select
        period_type,
        period_start
    from period_refunds
    union
    select
        period_type,
        period_start
    from period_spend
),

final as (
    select
        -- keys
        periods.period_type,
        periods.period_start,

        -- orders (buyers: distinct known users; repeat buyers: >= 2 orders in the period)
        coalesce(period_orders.orders, 0)::bigint as orders,
        coalesce(period_orders.buyers, 0)::bigint as buyers,
        coalesce(period_orders.repeat_buyers, 0)::bigint as repeat_buyers,

        -- money, reporting currency
        coalesce(period_orders.gross_revenue, 0) as gross_revenue,
        coalesce(period_orders.cogs, 0) as cogs,
        coalesce(period_refunds.refunds, 0) as refunds,
        coalesce(period_spend.marketing_spend, 0) as marketing_spend
    from periods
    left join period_orders
        on periods.period_type = period_orders.period_type and periods.period_start = period_orders.period_start
    left join period_refunds
        on periods.period_type = period_refunds.period_type and periods.period_start = period_refunds.period_start
    left join period_spend
        on periods.period_type = period_spend.period_type and periods.period_start = period_spend.period_start
    -- a period that starts before the first recomputed date is kept: it holds no changed date
    where {{ is_recomputed_date('periods.period_start') }}
)

select * from final
