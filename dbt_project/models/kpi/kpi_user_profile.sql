-- one row per user_id that is registered or was ever active, as of as_of_date

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

active_days as (
    select * from {{ ref('fct_user_active_days') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

refunds as (
    select * from {{ ref('fct_refunds') }}
),

profile_users as (
    select
        user_id,
        signup_date,
        channel,
        first_active_date,
        last_active_date
    from users
    where is_registered or first_active_date is not null
),

recent_activity as (
    select
        active_days.user_id,
        count(*) filter (where active_days.activity_date >= as_of.as_of_date - 29) as active_days_30d,
        sum(active_days.activity_events) filter (where active_days.activity_date >= as_of.as_of_date - 29)
            as events_30d,
        sum(active_days.activity_events) filter (where active_days.activity_date >= as_of.as_of_date - 6)
            as events_last_7d,
        sum(active_days.activity_events) filter (
            where active_days.activity_date between as_of.as_of_date - 13 and as_of.as_of_date - 7
        ) as events_prior_7d
    from active_days
    cross join as_of
    where active_days.activity_date between as_of.as_of_date - 29 and as_of.as_of_date
    group by active_days.user_id
),

recent_features as (
    select
        active_days.user_id,
        count(distinct day_feature.feature) as distinct_features_30d
    from active_days
    cross join as_of
    {{ unnest_join('active_days.features', 'day_feature', 'feature') }}
    where active_days.activity_date between as_of.as_of_date - 29 and as_of.as_of_date
    group by active_days.user_id
),

-- money dated in as_of-364 .. as_of: orders +, refunds -
money_365d as (
    select
        orders.user_id,
        1 as orders,
        orders.order_date as purchase_date,
        orders.amount_reporting as amount
    from orders
    cross join as_of
    where orders.order_date between as_of.as_of_date - 364 and as_of.as_of_date
    union all
    select
        refunds.user_id,
        0 as orders,
        null as purchase_date,
        -refunds.amount_reporting as amount
    from refunds
    cross join as_of
    where refunds.refund_date between as_of.as_of_date - 364 and as_of.as_of_date
),

purchases as (
    select
        user_id,
        sum(orders) as orders_365d,
        sum(amount) as net_revenue_365d,
        max(purchase_date) as last_purchase_date
    from money_365d
    group by user_id
),

profiled as (
    select
        profile_users.user_id,
        profile_users.signup_date,
        profile_users.channel,
        profile_users.first_active_date,
        profile_users.last_active_date,
        {{ days_between('profile_users.last_active_date', 'as_of.as_of_date') }} as days_since_last_active,
        coalesce(recent_activity.active_days_30d, 0) as active_days_30d,
        coalesce(recent_activity.events_30d, 0) as events_30d,
        coalesce(recent_features.distinct_features_30d, 0) as distinct_features_30d,
        coalesce(recent_activity.events_last_7d, 0) as events_last_7d,
        coalesce(recent_activity.events_prior_7d, 0) as events_prior_7d,
        coalesce(purchases.orders_365d, 0) as orders_365d,
        coalesce(purchases.net_revenue_365d, 0) as net_revenue_365d,
        purchases.last_purchase_date,
        {{ days_between('purchases.last_purchase_date', 'as_of.as_of_date') }} as recency_days,
        case
            when profile_users.signup_date >= as_of.as_of_date - 6 then 'new'
            when recent_activity.active_days_30d >= 15 then 'core'
            when profile_users.last_active_date >= as_of.as_of_date - 6 then 'active'
            when profile_users.last_active_date >= as_of.as_of_date - 29 then 'silent'
            else 'churned'
        end as segment
    from profile_users
    cross join as_of
    left join recent_activity on profile_users.user_id = recent_activity.user_id
    left join recent_features on profile_users.user_id = recent_features.user_id
    left join purchases on profile_users.user_id = purchases.user_id
),

-- RFM quintiles among users with an order in the 365-day window only
rfm as (
    select
        user_id,
        ntile(5) over (order by recency_days desc nulls first, user_id asc nulls last) as rfm_r,
        ntile(5) over (order by orders_365d asc nulls last, user_id asc nulls last) as rfm_f,
        ntile(5) over (order by net_revenue_365d asc nulls last, user_id asc nulls last) as rfm_m
    from profiled
    where orders_365d >= 1
),

warned as (
    select
        -- keys and dimensions
        profiled.user_id,
        profiled.signup_date,
        profiled.channel,

        -- activity
        profiled.first_active_date,
        profiled.last_active_date,
        profiled.days_since_last_active,
        profiled.active_days_30d::bigint as active_days_30d,
        profiled.events_30d::bigint as events_30d,
        profiled.distinct_features_30d::bigint as distinct_features_30d,
        profiled.segment,
        {{ contract_cast(
            'round(100 * (0.7 * profiled.active_days_30d / 30 + 0.3 * least(1, profiled.distinct_features_30d / 5.0)), 1)',
            'ratio'
        ) }} as activity_score,

        -- purchases in as_of-364 .. as_of
        profiled.orders_365d::bigint as orders_365d,
        {{ contract_cast('profiled.net_revenue_365d', 'money') }} as net_revenue_365d,
        profiled.last_purchase_date,
        profiled.recency_days,
        rfm.rfm_r,
        rfm.rfm_f,
        rfm.rfm_m,

        -- churn early warning
        case
            when profiled.segment in ('new', 'churned') then null
            when profiled.days_since_last_active >= 7 then 'inactive_7d'
            when 2 * profiled.events_last_7d < profiled.events_prior_7d and profiled.events_prior_7d >= 4
                then 'usage_drop'
        end as churn_risk_reason
    from profiled
    left join rfm on profiled.user_id = rfm.user_id
),

final as (
    select
        *,
        churn_risk_reason is not null as churn_risk
    from warned
)

select * from final
