-- one row per date, from the first date with activity or signups to as_of_date
-- Incremental: the dates from the earliest one new files can change are recomputed (macros/recompute.sql); the
-- trailing windows read the 29 days before it, the running total starts from the kept day before it.
-- depends_on: {{ ref('fct_events') }}, {{ ref('stg_raw__marketing_spend') }}, {{ ref('stg_raw__fx_rates') }},
-- {{ ref('stg_ops__ingest_ledger') }}
-- from the last build's as_of_date at the latest: days without events after it get their rows too
{{
    config(
        pre_hook="{{ recompute_dates_from_start('date', also_from='(select max(built.date) from ' ~ this ~ ' as built)') }}",
        post_hook="{{ save_watermark() }}",
        materialized=recomputed_materialization(),
        on_schema_change="fail",
    )
}}

{%- set previous_cumulative_users = 'lag(cumulative_users, 1, (select kept.cumulative_users from kept))'
    ~ ' over (order by date asc nulls last)' %}

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

active_days as (
    select * from {{ ref('fct_user_active_days') }}
    where activity_date >= {{ recomputed_from() }} - 29 or {{ recomputed_from() }} is null
),

-- the running total and the growth rate continue from the last kept day (none on a full build)
kept as (
    select {{ kept_before_recomputed('cumulative_users', 'date') }}::bigint as cumulative_users
),

users as (
    select * from {{ ref('dim_users') }}
),

money as (
    select * from {{ ref('fct_money_by_period') }}
),

spine as (
    select spine_days.spine_day::date as date
    from as_of
    {{ series_join(
        'greatest(as_of.first_date, ' ~ recomputed_from() ~ ')', 'as_of.as_of_date', interval_of(1, 'day'),
        'spine_days', 'spine_day',
    ) }}
),

-- Distinct users over a trailing window of N days without re-scanning history per day: each user-day adds the user to
-- the days [activity_date, activity_date + N) not already covered by the user's previous active day, so a running sum
-- of +1 / -1 deltas over the dates counts each user once per window. Linear in user-days.
windows as (
    select window_days
    from (values (1), (7), (30)) as w (window_days)
),

user_day_gaps as (
    select
        user_id,
        activity_date,
        lag(activity_date) over (
            partition by user_id order by activity_date asc nulls last
        ) as previous_activity_date
    from active_days
),

coverage as (
    select
        windows.window_days,
        greatest(gaps.activity_date, gaps.previous_activity_date + windows.window_days) as covered_from,
        gaps.activity_date + windows.window_days as covered_until
    from user_day_gaps as gaps
    cross join windows
),

window_deltas as (
    select
        window_days,
        date,
        sum(delta) as delta
    from (
        select
            window_days,
            covered_from as date,
            1 as delta
        from coverage
        union all
        select
            window_days,
            covered_until as date,
            -1 as delta
        from coverage
    ) as deltas
    group by window_days, date
),

-- the running sum runs over every delta date (spine dates added with 0), so coverage that began before the spine counts
rolling_active as (
    select
        window_days,
        date,
        sum(delta) over (partition by window_days order by date asc nulls last) as active_users
    from (
        select
            window_days,
            date,
            delta
        from window_deltas
        union all
        select
            windows.window_days,
            spine.date,
            0 as delta
        from spine
        cross join windows
    ) as all_deltas
),

active_pivot as (
    select
        date,
        max(case when window_days = 1 then active_users end)::bigint as dau,
        max(case when window_days = 7 then active_users end)::bigint as wau,
        max(case when window_days = 30 then active_users end)::bigint as mau
    from rolling_active
    where date in (select spine.date from spine)
    group by date
),

signups as (
    select
        signup_date as date,
        count(*) as new_users,
        count(*) filter (where channel = 'organic') as organic_new_users,
        count(*) filter (where {{ is_paid_channel('channel') }}) as paid_new_users
    from users
    where is_registered
    group by signup_date
),

daily_money as (
    select
        period_start as date,
        orders,
        buyers,
        gross_revenue,
        cogs,
        refunds,
        marketing_spend
    from money
    where period_type = 'day'
),

joined as (
    select
        spine.date,
        active_pivot.dau,
        active_pivot.wau,
        active_pivot.mau,
        coalesce(signups.new_users, 0)::bigint as new_users,
        -- first_date is on or before the earliest signup, so the running sum over the spine is complete
        (
            coalesce((select kept.cumulative_users from kept), 0)
            + sum(coalesce(signups.new_users, 0)) over (order by spine.date asc nulls last)
        )::bigint as cumulative_users,
        coalesce(signups.organic_new_users, 0)::bigint as organic_new_users,
        coalesce(signups.paid_new_users, 0)::bigint as paid_new_users,
        coalesce(daily_money.orders, 0) as orders,
        coalesce(daily_money.buyers, 0) as buyers,
        coalesce(daily_money.gross_revenue, 0) as gross_revenue,
        coalesce(daily_money.refunds, 0) as refunds,
        coalesce(daily_money.cogs, 0) as cogs,
        coalesce(daily_money.marketing_spend, 0) as marketing_spend
    from spine
    left join active_pivot on spine.date = active_pivot.date
    left join signups on spine.date = signups.date
    left join daily_money on spine.date = daily_money.date
),

final as (
    select
        -- keys
        date,

        -- activity
        dau,
        wau,
        mau,
        {{ contract_cast(safe_divide('dau', 'mau'), 'ratio') }} as stickiness,

        -- growth
        new_users,
        cumulative_users,
        {{ contract_cast(safe_divide(
            'cumulative_users - ' ~ previous_cumulative_users,
            previous_cumulative_users,
        ), 'ratio') }} as user_growth_rate,
        organic_new_users,
        {{ contract_cast(safe_divide('organic_new_users', 'new_users'), 'ratio') }} as organic_share,

        -- revenue
        orders,
        buyers,
        {{ contract_cast('gross_revenue', 'money') }} as gross_revenue,
        {{ contract_cast('refunds', 'money') }} as refunds,
        {{ contract_cast('gross_revenue - refunds', 'money') }} as net_revenue,
        {{ contract_cast('cogs', 'money') }} as cogs,
        case
            when gross_revenue - refunds > 0
                then {{ contract_cast(
                    safe_divide('gross_revenue - refunds - cogs', 'gross_revenue - refunds'), 'ratio'
                ) }}
        end as gross_margin,
        {{ contract_cast(safe_divide('gross_revenue', 'orders'), 'ratio') }} as aov,
        {{ contract_cast(safe_divide('gross_revenue - refunds', 'dau'), 'ratio') }} as arpu,
        {{ contract_cast(safe_divide('gross_revenue - refunds', 'buyers'), 'ratio') }} as arppu,
        {{ contract_cast(safe_divide('buyers', 'dau'), 'ratio') }} as paying_rate,
        {{ contract_cast(safe_divide('refunds', 'gross_revenue'), 'ratio') }} as refund_rate,

        -- acquisition
        {{ contract_cast('marketing_spend', 'money') }} as marketing_spend,
        paid_new_users,
        {{ contract_cast(safe_divide('marketing_spend', 'paid_new_users'), 'ratio') }} as cac
    from joined
)

select * from final
