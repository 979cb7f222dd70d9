-- one row per registered user: what they did in the windows after signup_date (raw flags; maturity is applied by
-- the cohort aggregates kpi_retention_cohorts, kpi_funnel and kpi_channel_monthly)
-- Incremental: the users newer files can change are recomputed (macros/recompute_cohorts.sql); the facts are read from
-- the earliest signup among them on.
-- depends_on: {{ ref('stg_ops__ingest_ledger') }}, {{ ref('stg_raw__marketing_spend') }},
-- {{ ref('stg_raw__fx_rates') }}
{{
    config(
        materialized=recomputed_materialization(),
        on_schema_change="fail",
        pre_hook="{{ recompute_cohort_users() }}",
        post_hook="{{ save_watermark() }}",
    )
}}

with users as (
    select * from {{ ref('dim_users') }}
),

active_days as (
    select * from {{ ref('fct_user_active_days') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

refunds as (
    select * from {{ ref('fct_refunds') }}
),

cohort_users as (
    select
        user_id,
        signup_date,
        channel
    from users
    where is_registered and {{ is_recomputed('user_id') }}
),

-- no window of a user recomputed starts before this date
first_signup as (
    select min(signup_date) as signup_date from cohort_users
),

user_retention as (
    select
        cohort_users.user_id,
        bool_or({{ days_between('cohort_users.signup_date', 'active_days.activity_date') }} = 1) as active_d1,
        bool_or({{ days_between('cohort_users.signup_date', 'active_days.activity_date') }} = 7) as active_d7,
        bool_or({{ days_between('cohort_users.signup_date', 'active_days.activity_date') }} = 30) as active_d30,
        bool_or({{ days_between('cohort_users.signup_date', 'active_days.activity_date') }} <= 7) as active_within_7d,
        true as active_within_30d
    from cohort_users
    inner join active_days
        on
            cohort_users.user_id = active_days.user_id
            and active_days.activity_date between cohort_users.signup_date + 1 and cohort_users.signup_date + 30
    where active_days.activity_date > (select first_signup.signup_date from first_signup)
    group by cohort_users.user_id
),

user_activation as (
    select distinct cohort_users.user_id
    from cohort_users
    inner join events
        on
            cohort_users.user_id = events.user_id
            and events.event_name = 'feature_use'
            and events.event_date between cohort_users.signup_date and cohort_users.signup_date + 6
    where events.event_date >= (select first_signup.signup_date from first_signup)
),

-- signed net revenue (orders +, refunds -) on day_number 0..89, the widest window used
user_money as (
    select
        cohort_users.user_id,
        {{ days_between('cohort_users.signup_date', 'orders.order_date') }} as day_number,
        1 as orders,
        orders.amount_reporting as amount
    from cohort_users
    inner join orders
        on
            cohort_users.user_id = orders.user_id
            and orders.order_date between cohort_users.signup_date and cohort_users.signup_date + 89
    where orders.order_date >= (select first_signup.signup_date from first_signup)
    union all
    select
        cohort_users.user_id,
        {{ days_between('cohort_users.signup_date', 'refunds.refund_date') }} as day_number,
        0 as orders,
        -refunds.amount_reporting as amount
    from cohort_users
    inner join refunds
        on
            cohort_users.user_id = refunds.user_id
            and refunds.refund_date between cohort_users.signup_date and cohort_users.signup_date + 89
    where refunds.refund_date >= (select first_signup.signup_date from first_signup)
),

user_revenue as (
    select
        user_id,
        sum(orders) filter (where day_number < 30) as orders_30d,
        sum(amount) filter (where day_number < 7) as net_revenue_7d,
        sum(amount) filter (where day_number < 30) as net_revenue_30d,
        sum(amount) as net_revenue_90d
    from user_money
    group by user_id
),

final as (
    select
        -- keys
        cohort_users.user_id,
        cohort_users.signup_date,
        cohort_users.channel,

        -- retention: active on day_number exactly N / on any day_number in 1..N
        coalesce(user_retention.active_d1, false) as active_d1,
        coalesce(user_retention.active_d7, false) as active_d7,
        coalesce(user_retention.active_d30, false) as active_d30,
        coalesce(user_retention.active_within_7d, false) as active_within_7d,
        coalesce(user_retention.active_within_30d, false) as active_within_30d,

        -- funnel: feature_use on day_number 0..6, orders on day_number 0..29
        user_activation.user_id is not null as activated,
        coalesce(user_revenue.orders_30d, 0)::bigint as orders_30d,

        -- net revenue on day_number 0..N-1
        {{ contract_cast('coalesce(user_revenue.net_revenue_7d, 0)', 'money') }} as net_revenue_7d,
        {{ contract_cast('coalesce(user_revenue.net_revenue_30d, 0)', 'money') }} as net_revenue_30d,
        {{ contract_cast('coalesce(user_revenue.net_revenue_90d, 0)', 'money') }} as net_revenue_90d
    from cohort_users
    left join user_retention on cohort_users.user_id = user_retention.user_id
    left join user_activation on cohort_users.user_id = user_activation.user_id
    left join user_revenue on cohort_users.user_id = user_revenue.user_id
)

select * from final
