-- one row per signup_date that has registered users

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

user_cohorts as (
    select * from {{ ref('dim_user_cohorts') }}
),

cohorts as (
    select
        signup_date,
        count(*) as cohort_size,
        count(*) filter (where active_d1) as retained_d1,
        count(*) filter (where active_d7) as retained_d7,
        count(*) filter (where active_d30) as retained_d30,
        count(*) filter (where active_within_7d) as retained_within_7d,
        count(*) filter (where active_within_30d) as retained_within_30d,
        sum(net_revenue_7d) as net_revenue_7d,
        sum(net_revenue_30d) as net_revenue_30d,
        sum(net_revenue_90d) as net_revenue_90d
    from user_cohorts
    group by signup_date
),

-- a window is mature once it has fully elapsed by as_of_date
matured as (
    select
        cohorts.*,
        cohorts.signup_date + 1 <= as_of.as_of_date as d1_mature,
        cohorts.signup_date + 7 <= as_of.as_of_date as d7_mature,
        cohorts.signup_date + 30 <= as_of.as_of_date as d30_mature,
        cohorts.signup_date + 6 <= as_of.as_of_date as ltv_7d_mature,
        cohorts.signup_date + 29 <= as_of.as_of_date as ltv_30d_mature,
        cohorts.signup_date + 89 <= as_of.as_of_date as ltv_90d_mature
    from cohorts
    cross join as_of
),

final as (
    select
        -- keys
        signup_date,
        cohort_size::bigint as cohort_size,

        -- retention on day_number exactly N; counts and rates NULL until signup_date + N <= as_of_date
        case when d1_mature then retained_d1::bigint end as retained_d1,
        case
            when d1_mature then {{ contract_cast(safe_divide('retained_d1', 'cohort_size'), 'ratio') }}
        end as retention_d1,
        case when d7_mature then retained_d7::bigint end as retained_d7,
        case
            when d7_mature then {{ contract_cast(safe_divide('retained_d7', 'cohort_size'), 'ratio') }}
        end as retention_d7,
        case when d30_mature then retained_d30::bigint end as retained_d30,
        case
            when d30_mature then {{ contract_cast(safe_divide('retained_d30', 'cohort_size'), 'ratio') }}
        end as retention_d30,

        -- retention on any day_number in 1..N
        case when d7_mature then retained_within_7d::bigint end as retained_within_7d,
        case
            when d7_mature then {{ contract_cast(safe_divide('retained_within_7d', 'cohort_size'), 'ratio') }}
        end as retention_within_7d,
        case when d30_mature then retained_within_30d::bigint end as retained_within_30d,
        case
            when d30_mature then {{ contract_cast(safe_divide('retained_within_30d', 'cohort_size'), 'ratio') }}
        end as retention_within_30d,

        -- lifetime value: net revenue on day_number 0..N-1 per cohort user; NULL until signup_date + N - 1 <= as_of
        case
            when ltv_7d_mature then {{ contract_cast(safe_divide('net_revenue_7d', 'cohort_size'), 'ratio') }}
        end as ltv_7d,
        case
            when ltv_30d_mature then {{ contract_cast(safe_divide('net_revenue_30d', 'cohort_size'), 'ratio') }}
        end as ltv_30d,
        case
            when ltv_90d_mature then {{ contract_cast(safe_divide('net_revenue_90d', 'cohort_size'), 'ratio') }}
        end as ltv_90d
    from matured
)

select * from final
