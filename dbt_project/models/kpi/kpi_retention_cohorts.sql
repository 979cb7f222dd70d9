-- one row per signup_date that has registered users

with as_of as (
    select * from {{ ref('kpi_as_of_date') }}
),

user_cohorts as (
    select * from {{ ref('kpi_user_cohorts') }}
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

final as (
    select
        -- keys
        cohorts.signup_date,
        cohorts.cohort_size::bigint as cohort_size,

        -- retention on day_number exactly N; counts and rates NULL until signup_date + N <= as_of_date
        {%- for n in [1, 7, 30] %}
        case when cohorts.signup_date + {{ n }} <= as_of.as_of_date then cohorts.retained_d{{ n }}::bigint end
            as retained_d{{ n }},
        case
            when cohorts.signup_date + {{ n }} <= as_of.as_of_date
                then {{ safe_divide('cohorts.retained_d' ~ n, 'cohorts.cohort_size') }}
        end as retention_d{{ n }},
        {%- endfor %}

        -- retention on any day_number in 1..N
        {%- for n in [7, 30] %}
        case
            when cohorts.signup_date + {{ n }} <= as_of.as_of_date then cohorts.retained_within_{{ n }}d::bigint
        end as retained_within_{{ n }}d,
        case
            when cohorts.signup_date + {{ n }} <= as_of.as_of_date
                then {{ safe_divide('cohorts.retained_within_' ~ n ~ 'd', 'cohorts.cohort_size') }}
        end as retention_within_{{ n }}d,
        {%- endfor %}

        -- lifetime value: net revenue on day_number 0..N-1 per cohort user, NULL until signup_date + N - 1 <= as_of_date
        {%- for n in [7, 30, 90] %}
        case
            when cohorts.signup_date + {{ n - 1 }} <= as_of.as_of_date
                then {{ safe_divide('cohorts.net_revenue_' ~ n ~ 'd', 'cohorts.cohort_size') }}
        end as ltv_{{ n }}d{{ ',' if not loop.last }}
        {%- endfor %}
    from cohorts
    cross join as_of
)

select * from final
