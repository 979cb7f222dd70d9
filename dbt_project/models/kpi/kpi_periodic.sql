-- one row per (period_type, period_start): ISO weeks (Monday) and calendar months intersecting first_date .. as_of_date
-- Incremental: the periods from the one holding the earliest date new files can change, or from the first one not
-- complete at the last build, are recomputed (macros/recompute.sql); activity is read from the month before them on.
-- depends_on: {{ ref('fct_events') }}, {{ ref('stg_raw__marketing_spend') }}, {{ ref('stg_raw__fx_rates') }},
-- {{ ref('stg_ops__ingest_ledger') }}
{{
    config(
        pre_hook="{{ recompute_dates_from_start('period_start', periods=['week', 'month'], also_from='(select min(open.period_start) from ' ~ this ~ ' as open where not open.complete)') }}",
        post_hook="{{ save_watermark() }}",
        materialized=recomputed_materialization(),
        on_schema_change="fail",
    )
}}

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

-- the previous period of every recomputed one is read whole (churn, previous_active_users)
active_days as (
    select * from {{ ref('fct_user_active_days') }}
    where
        {{ recomputed_from() }} is null
        or activity_date >= date_trunc('month', {{ recomputed_from() }} - {{ interval_of(1, 'month') }})
),

users as (
    select * from {{ ref('dim_users') }}
),

money as (
    select * from {{ ref('fct_money_by_period') }}
),

period_types as (
    select
        period_type,
        period_length
    from (
        values ('week', {{ interval_of(1, 'week') }}), ('month', {{ interval_of(1, 'month') }})
    ) as p (period_type, period_length)
),

periods as (
    select
        period_types.period_type,
        period_series.period_start::date as period_start,
        (period_series.period_start + period_types.period_length - {{ interval_of(1, 'day') }})::date as period_end,
        (period_series.period_start - period_types.period_length)::date as previous_period_start
    from as_of
    cross join period_types
    {{ series_join(
        'date_trunc(period_types.period_type, as_of.first_date::timestamp)',
        'as_of.as_of_date::timestamp',
        'period_types.period_length',
        'period_series',
        'period_start',
    ) }}
    where period_series.period_start >= {{ recomputed_from() }} or {{ recomputed_from() }} is null
),

-- one row per (period, user active in it)
user_periods as (
    select distinct
        period_types.period_type,
        date_trunc(period_types.period_type, active_days.activity_date::timestamp)::date as period_start,
        active_days.user_id
    from active_days
    cross join period_types
),

-- churned in period p = active in the previous period and not in p: found from each user's next active period
user_next_periods as (
    select
        user_periods.period_type,
        (user_periods.period_start + period_types.period_length)::date as following_period_start,
        lead(user_periods.period_start) over (
            partition by user_periods.period_type, user_periods.user_id
            order by user_periods.period_start asc nulls last
        ) as next_active_period_start
    from user_periods
    inner join period_types on user_periods.period_type = period_types.period_type
),

period_activity as (
    select
        period_type,
        period_start,
        count(*) as active_users
    from user_periods
    group by period_type, period_start
),

period_churn as (
    select
        period_type,
        following_period_start as period_start,
        count(*) filter (
            where next_active_period_start is distinct from following_period_start
        ) as churned_users
    from user_next_periods
    group by period_type, following_period_start
),

-- signups are bucketed with date_trunc (linear in its rows), as fct_money_by_period buckets money, never range-joined
user_signup_periods as (
    select
        period_types.period_type,
        date_trunc(period_types.period_type, users.signup_date::timestamp)::date as period_start,
        users.channel
    from users
    cross join period_types
    where users.is_registered
),

period_signups as (
    select
        period_type,
        period_start,
        count(*) as new_users,
        count(*) filter (where {{ is_paid_channel('channel') }}) as paid_new_users
    from user_signup_periods
    group by period_type, period_start
),

-- every signup up to the period (first_date is on or before the earliest signup: the sum covers the listed periods)
cumulative_signups as (
    select
        periods.period_type,
        periods.period_start,
        sum(period_signups.new_users) as cumulative_users
    from periods
    inner join period_signups
        on
            periods.period_type = period_signups.period_type
            and periods.period_start >= period_signups.period_start
    group by periods.period_type, periods.period_start
),

joined as (
    select
        periods.period_type,
        periods.period_start,
        periods.period_end,
        periods.period_end <= as_of.as_of_date as complete,
        coalesce(period_activity.active_users, 0) as active_users,
        coalesce(previous_activity.active_users, 0) as previous_active_users,
        coalesce(period_churn.churned_users, 0) as churned_users,
        coalesce(period_signups.new_users, 0) as new_users,
        coalesce(period_signups.paid_new_users, 0) as paid_new_users,
        coalesce(cumulative_signups.cumulative_users, 0) as cumulative_users,
        coalesce(money.orders, 0) as orders,
        coalesce(money.buyers, 0) as buyers,
        coalesce(money.repeat_buyers, 0) as repeat_buyers,
        coalesce(money.gross_revenue, 0) as gross_revenue,
        coalesce(money.refunds, 0) as refunds,
        coalesce(money.marketing_spend, 0) as marketing_spend
    from periods
    cross join as_of
    left join period_activity
        on periods.period_type = period_activity.period_type and periods.period_start = period_activity.period_start
    left join period_activity as previous_activity
        on
            periods.period_type = previous_activity.period_type
            and periods.previous_period_start = previous_activity.period_start
    left join period_churn
        on periods.period_type = period_churn.period_type and periods.period_start = period_churn.period_start
    left join period_signups
        on periods.period_type = period_signups.period_type and periods.period_start = period_signups.period_start
    left join cumulative_signups
        on
            periods.period_type = cumulative_signups.period_type
            and periods.period_start = cumulative_signups.period_start
    left join money
        on periods.period_type = money.period_type and periods.period_start = money.period_start
),

measured as (
    select
        period_type,
        period_start,
        period_end,
        complete,
        active_users::bigint as active_users,
        new_users::bigint as new_users,
        cumulative_users::bigint as cumulative_users,
        {{ contract_cast(safe_divide('new_users', 'cumulative_users - new_users'), 'ratio') }} as user_growth_rate,
        churned_users::bigint as churned_users,
        {{ contract_cast(safe_divide('churned_users', 'previous_active_users'), 'ratio') }} as churn_rate,
        orders::bigint as orders,
        buyers::bigint as buyers,
        repeat_buyers::bigint as repeat_buyers,
        {{ contract_cast(safe_divide('repeat_buyers', 'buyers'), 'ratio') }} as repurchase_rate,
        {{ contract_cast('gross_revenue', 'money') }} as gross_revenue,
        {{ contract_cast('refunds', 'money') }} as refunds,
        {{ contract_cast('gross_revenue - refunds', 'money') }} as net_revenue,
        {{ contract_cast(safe_divide('gross_revenue - refunds', 'active_users'), 'ratio') }} as arpu,
        {{ contract_cast(safe_divide('gross_revenue', 'orders'), 'ratio') }} as aov,
        {{ contract_cast('marketing_spend', 'money') }} as marketing_spend,
        paid_new_users::bigint as paid_new_users,
        {{ contract_cast(safe_divide('marketing_spend', 'paid_new_users'), 'ratio') }} as cac
    from joined
),

-- the measures a period shows once it has ended (NULL while it has not ended by as_of_date)
{%- set period_measures = [
    'active_users',
    'new_users',
    'cumulative_users',
    'user_growth_rate',
    'churned_users',
    'churn_rate',
    'orders',
    'buyers',
    'repeat_buyers',
    'repurchase_rate',
    'gross_revenue',
    'refunds',
    'net_revenue',
    'arpu',
    'aov',
    'marketing_spend',
    'paid_new_users',
    'cac',
] %}

final as (
    select
        -- keys
        period_type,
        period_start,
        period_end,
        complete,

        -- measures: NULL while the period has not ended by as_of_date
        {% for measure in period_measures -%}
        case when complete then {{ measure }} end as {{ measure }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from measured
)

select * from final
