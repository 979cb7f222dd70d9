-- one row per (signup_date, day_number) for day_number 0..30 with signup_date + day_number <= as_of_date
-- Incremental: the cohorts that signed up in the 30 days before the earliest date new files can change or later, and
-- those the last build's as_of_date left incomplete, are recomputed (macros/recompute.sql).
-- depends_on: {{ ref('fct_events') }}, {{ ref('stg_raw__marketing_spend') }}, {{ ref('stg_raw__fx_rates') }},
-- {{ ref('stg_ops__ingest_ledger') }}
{{
    config(
        pre_hook="{{ recompute_dates_from_start('signup_date', days_before=30,\n   also_from='(select max(kept.signup_date + kept.day_number) - 30 from ' ~ this ~ ' as kept)') }}",
        post_hook="{{ save_watermark() }}",
        materialized=recomputed_materialization(),
        on_schema_change="fail",
    )
}}

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

active_days as (
    select * from {{ ref('fct_user_active_days') }}
    where activity_date >= {{ recomputed_from() }} or {{ recomputed_from() }} is null
),

cohort_users as (
    select
        user_id,
        signup_date
    from users
    where is_registered and {{ is_recomputed_date('signup_date') }}
),

cohort_sizes as (
    select
        signup_date,
        count(*) as cohort_size
    from cohort_users
    group by signup_date
),

cohort_activity as (
    select
        cohort_users.signup_date,
        {{ days_between('cohort_users.signup_date', 'active_days.activity_date') }} as day_number,
        count(*) as active_users
    from cohort_users
    inner join active_days
        on
            cohort_users.user_id = active_days.user_id
            and active_days.activity_date between cohort_users.signup_date and cohort_users.signup_date + 30
    group by cohort_users.signup_date, {{ days_between('cohort_users.signup_date', 'active_days.activity_date') }}
),

curve as (
    select
        cohort_sizes.signup_date,
        day_numbers.day_number,
        cohort_sizes.cohort_size
    from cohort_sizes
    cross join as_of
    {{ series_join(0, 30, 1, 'day_numbers', 'day_number') }}
    where cohort_sizes.signup_date + day_numbers.day_number <= as_of.as_of_date
),

final as (
    select
        -- keys
        curve.signup_date,
        curve.day_number::integer as day_number,

        -- measures
        curve.cohort_size::bigint as cohort_size,
        coalesce(cohort_activity.active_users, 0)::bigint as active_users,
        {{ contract_cast(safe_divide('coalesce(cohort_activity.active_users, 0)', 'curve.cohort_size'), 'ratio') }}
            as retention_rate
    from curve
    left join cohort_activity
        on curve.signup_date = cohort_activity.signup_date and curve.day_number = cohort_activity.day_number
)

select * from final
