-- one row per (date, metric, subject, dimension, segment): the headline KPIs split over the marts' dimensions
-- Additive metrics (dau, orders, new_users, ...) carry a numerator only; ratios numerator / denominator per segment.
-- The alerting drill-down compares each segment with its own past to name the segment behind a KPI's move.
-- Incremental: the dates newer files can change are recomputed (macros/recompute_segments.sql). The facts are read
-- for those dates only, except where a row of such a date looks up an older one (a refund's order).
-- depends_on: {{ ref('stg_ops__ingest_ledger') }}, {{ ref('stg_raw__marketing_spend') }},
-- {{ ref('stg_raw__fx_rates') }}, {{ ref('stg_raw__feedback') }}, {{ ref('fct_money_events') }},
-- {{ ref('fct_user_active_days') }}
{{
    config(
        pre_hook="{{ recompute_segment_dates() }}",
        post_hook=["{{ save_watermark() }}", "{{ save_segment_users() }}"],
        materialized=recomputed_materialization(),
        on_schema_change="fail",
    )
}}

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

-- referenced several times: not materialized, so that each use reads only the dates it needs (by index)
events as {{ cte_hint('not materialized') }} (
    select * from {{ ref('fct_events') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

orders as {{ cte_hint('not materialized') }} (
    select * from {{ ref('fct_orders') }}
),

refunds as (
    select * from {{ ref('fct_refunds') }}
    where {{ is_recomputed_date('refund_date') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend_daily') }}
    where {{ is_recomputed_date('spend_date') }}
),

feedback as (
    select * from {{ ref('fct_feedback') }}
    where {{ is_recomputed_date('created_date') }}
),

-- the platform and app version a user was active on that day (the first one alphabetically when several); the day
-- after each recomputed date too (D1 retention)
user_days as (
    select
        events.event_date as date,
        events.user_id,
        min(events.platform) as platform,
        min(events.app_version) as app_version
    from events
    where
        events.is_activity
        and events.user_id is not null
        and ({{ is_recomputed_date('events.event_date') }} or {{ is_recomputed_date('events.event_date - 1') }})
    group by events.event_date, events.user_id
),

user_days_described as (
    select
        user_days.date,
        user_days.user_id,
        coalesce(user_days.platform, 'unknown') as platform,
        coalesce(user_days.app_version, 'unknown') as app_version,
        coalesce(users.channel, 'unregistered') as channel,
        case when users.signup_date = user_days.date then 'new' else 'returning' end as user_type
    from user_days
    left join users on user_days.user_id = users.user_id
    where {{ is_recomputed_date('user_days.date') }}
),

buyers as (
    select distinct
        orders.order_date as date,
        orders.user_id
    from orders
    where {{ is_recomputed_date('orders.order_date') }}
),

-- per order: where it was placed (the purchase event's platform and version) and who placed it
orders_described as (
    select
        orders.order_date as date,
        orders.amount_reporting,
        coalesce(events.platform, 'unknown') as platform,
        coalesce(events.app_version, 'unknown') as app_version,
        coalesce(users.channel, 'unregistered') as channel,
        case when users.signup_date = orders.order_date then 'new' else 'returning' end as user_type
    from orders
    -- the purchase event is of the order's date: only those dates are read
    left join events on orders.event_id = events.event_id and {{ is_recomputed_date('events.event_date') }}
    left join users on orders.user_id = users.user_id
    where {{ is_recomputed_date('orders.order_date') }}
),

-- net revenue: orders on their date, refunds (negative) on theirs, both described by the order they belong to
money as (
    select
        orders_described.date,
        orders_described.amount_reporting as amount,
        orders_described.platform,
        orders_described.channel
    from orders_described
    union all
    select
        refunds.refund_date as date,
        -refunds.amount_reporting as amount,
        coalesce(events.platform, 'unknown') as platform,
        coalesce(users.channel, 'unregistered') as channel
    from refunds
    left join orders on refunds.order_id = orders.order_id
    left join events on orders.event_id = events.event_id
    left join users on refunds.user_id = users.user_id
),

signups as (
    select
        users.signup_date as date,
        users.user_id,
        users.channel,
        coalesce(events.platform, 'unknown') as platform,
        {{ is_paid_channel('users.channel') }} as is_paid
    from users
    left join events
        on
            users.user_id = events.user_id
            and events.event_name = 'signup'
            and users.signup_at = events.event_at
            -- the same day (signup_date is event_at's business date): lets the join read that day only
            and users.signup_date = events.event_date
            and {{ is_recomputed_date('events.event_date') }}
    where users.signup_date is not null and {{ is_recomputed_date('users.signup_date') }}
),

signups_by_channel as (
    select
        date,
        channel,
        count(distinct user_id) as signups
    from signups
    group by date, channel
),

retained_d1 as (
    select
        signups.date,
        signups.channel,
        signups.platform,
        user_days.user_id is not null as retained
    from signups
    cross join as_of
    left join user_days on signups.user_id = user_days.user_id and signups.date + 1 = user_days.date
    where signups.date + 1 <= as_of.as_of_date
),

-- one row per (metric, dimension, segment) and day; ratios as numerator / denominator of the segment
dau as (
    select
        user_days_described.date,
        'dau' as metric,
        split.dimension,
        split.segment,
        count(distinct user_days_described.user_id)::{{ sql_type('ratio') }} as numerator,
        null::{{ sql_type('ratio') }} as denominator
    from user_days_described
    {{ segment_split('user_days_described', ['platform', 'app_version', 'channel', 'user_type']) }}
    group by user_days_described.date, split.dimension, split.segment
),

paying_rate as (
    select
        user_days_described.date,
        'paying_rate' as metric,
        split.dimension,
        split.segment,
        count(distinct buyers.user_id)::{{ sql_type('ratio') }} as numerator,
        count(distinct user_days_described.user_id)::{{ sql_type('ratio') }} as denominator
    from user_days_described
    left join buyers
        on user_days_described.user_id = buyers.user_id and user_days_described.date = buyers.date
    {{ segment_split('user_days_described', ['platform', 'channel', 'user_type']) }}
    group by user_days_described.date, split.dimension, split.segment
),

order_metrics as (
    select
        orders_described.date,
        measure.metric,
        split.dimension,
        split.segment,
        measure.numerator,
        measure.denominator
    from orders_described
    {{ segment_split('orders_described', ['platform', 'app_version', 'channel', 'user_type']) }}
    {{ lateral_rows(
        [
            ["'orders'", '1::' ~ sql_type('ratio'), 'null::' ~ sql_type('ratio')],
            ["'aov'", contract_cast('orders_described.amount_reporting', 'ratio'), '1::' ~ sql_type('ratio')],
        ],
        'measure',
        ['metric', 'numerator', 'denominator'],
    ) }}
),

orders_and_aov as (
    select
        date,
        metric,
        dimension,
        segment,
        sum(numerator) as numerator,
        sum(denominator) as denominator
    from order_metrics
    group by date, metric, dimension, segment
),

net_revenue as (
    select
        money.date,
        'net_revenue' as metric,
        split.dimension,
        split.segment,
        -- every measure a ratio before the union: Spark's union of decimal(38,6) and (38,18) keeps 6 places
        {{ contract_cast('sum(money.amount)', 'ratio') }} as numerator,
        null::{{ sql_type('ratio') }} as denominator
    from money
    {{ segment_split('money', ['platform', 'channel']) }}
    group by money.date, split.dimension, split.segment
),

new_users as (
    select
        signups.date,
        measure.metric,
        split.dimension,
        split.segment,
        count(distinct signups.user_id)::{{ sql_type('ratio') }} as numerator,
        null::{{ sql_type('ratio') }} as denominator
    from signups
    {{ segment_split('signups', ['platform', 'channel']) }}
    {{ lateral_rows(
        [["'new_users'", 'true'], ["'paid_new_users'", 'signups.is_paid']], 'measure', ['metric', 'counted']
    ) }}
    where measure.counted
    group by signups.date, measure.metric, split.dimension, split.segment
),

retention_d1 as (
    select
        retained_d1.date,
        'retention_d1' as metric,
        split.dimension,
        split.segment,
        count(*) filter (where retained_d1.retained)::{{ sql_type('ratio') }} as numerator,
        count(*)::{{ sql_type('ratio') }} as denominator
    from retained_d1
    {{ segment_split('retained_d1', ['platform', 'channel']) }}
    group by retained_d1.date, split.dimension, split.segment
),

-- per paid channel: spend and CAC split over its campaigns (a campaign's spend / the channel's signups: they add up)
channel_spend as (
    select
        spend.spend_date as date,
        measure.metric,
        spend.channel as subject,
        'campaign' as dimension,
        spend.campaign_id as segment,
        sum(spend.spend_reporting) as numerator,
        measure.per_signup
    from spend
    {{ lateral_rows([["'spend'", 'false'], ["'cac'", 'true']], 'measure', ['metric', 'per_signup']) }}
    where {{ is_paid_channel('spend.channel') }}
    group by spend.spend_date, measure.metric, spend.channel, spend.campaign_id, measure.per_signup
),

spend_and_cac as (
    select
        channel_spend.date,
        channel_spend.metric,
        channel_spend.subject,
        channel_spend.dimension,
        channel_spend.segment,
        case
            when channel_spend.per_signup
                then {{ contract_cast(quotient('channel_spend.numerator', 'signups_by_channel.signups'), 'ratio') }}
            else {{ contract_cast('channel_spend.numerator', 'ratio') }}
        end as numerator,
        null::{{ sql_type('ratio') }} as denominator
    from channel_spend
    left join signups_by_channel
        on channel_spend.date = signups_by_channel.date and channel_spend.subject = signups_by_channel.channel
    where not channel_spend.per_signup or signups_by_channel.signups > 0
),

-- feedback: complaints by the channel they came through; first response (mean minutes) by channel and category
complaints as (
    select
        created_date as date,
        'complaints' as metric,
        'feedback_channel' as dimension,
        channel as segment,
        count(*)::{{ sql_type('ratio') }} as numerator,
        null::{{ sql_type('ratio') }} as denominator
    from feedback
    where category = 'complaint'
    group by created_date, channel
),

first_response as (
    select
        feedback.created_date as date,
        'first_response_minutes' as metric,
        split.dimension,
        split.segment,
        {{ contract_cast('sum(feedback.first_response_minutes)', 'ratio') }} as numerator,
        count(*)::{{ sql_type('ratio') }} as denominator
    from feedback
    {{ segment_split('feedback', {'feedback_channel': 'channel', 'category': 'category'}) }}
    where feedback.first_response_minutes is not null
    group by feedback.created_date, split.dimension, split.segment
),

overall as (
    select * from dau
    union all
    select * from paying_rate
    union all
    select * from orders_and_aov
    union all
    select * from net_revenue
    union all
    select * from new_users
    union all
    select * from retention_d1
    union all
    select * from complaints
    union all
    select * from first_response
),

final as (
    select
        -- keys
        date,
        metric,
        'all' as subject,
        dimension,
        segment,
        -- measures
        {{ contract_cast('numerator', 'ratio') }} as numerator,
        {{ contract_cast('denominator', 'ratio') }} as denominator
    from overall
    union all
    select
        date,
        metric,
        subject,
        dimension,
        segment,
        numerator,
        denominator
    from spend_and_cac
)

select * from final
