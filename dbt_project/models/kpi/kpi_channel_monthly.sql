-- one row per (month_start, channel) with spend rows or signups in the month

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

channel_daily as (
    select * from {{ ref('kpi_channel_daily') }}
),

user_cohorts as (
    select * from {{ ref('dim_user_cohorts') }}
),

monthly_spend as (
    select
        date_trunc('month', date)::date as month_start,
        channel,
        sum(spend) as spend,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(signups) as signups
    from channel_daily
    group by date_trunc('month', date), channel
),

-- cohort measures over the channel's signup_dates of the month, each counted only once its window has elapsed
monthly_cohorts as (
    select
        date_trunc('month', user_cohorts.signup_date)::date as month_start,
        user_cohorts.channel,
        count(*) filter (where user_cohorts.signup_date + 7 <= as_of.as_of_date) as cohort_size_d7_mature,
        count(*) filter (
            where user_cohorts.signup_date + 7 <= as_of.as_of_date and user_cohorts.active_d7
        ) as retained_d7_mature,
        count(*) filter (where user_cohorts.signup_date + 29 <= as_of.as_of_date) as signed_up_30d_mature,
        count(*) filter (
            where user_cohorts.signup_date + 29 <= as_of.as_of_date and user_cohorts.orders_30d >= 1
        ) as purchased_30d_mature,
        max(user_cohorts.signup_date) as last_signup_date,
        sum(user_cohorts.net_revenue_30d) as net_revenue_30d
    from user_cohorts
    cross join as_of
    group by date_trunc('month', user_cohorts.signup_date), user_cohorts.channel
),

measured as (
    select
        monthly_spend.month_start,
        monthly_spend.channel,
        {{ contract_cast('monthly_spend.spend', 'money') }} as spend,
        monthly_spend.impressions::bigint as impressions,
        monthly_spend.clicks::bigint as clicks,
        monthly_spend.signups::bigint as signups,
        {{ contract_cast(safe_divide('monthly_spend.spend', 'monthly_spend.signups'), 'ratio') }} as cac,
        {{ contract_cast(
            safe_divide('monthly_cohorts.retained_d7_mature', 'monthly_cohorts.cohort_size_d7_mature'), 'ratio'
        ) }} as retention_d7,
        {{ contract_cast(
            safe_divide('monthly_cohorts.purchased_30d_mature', 'monthly_cohorts.signed_up_30d_mature'), 'ratio'
        ) }} as purchase_conversion_30d,
        -- NULL until the month has ended and its last cohort has had day_number 0..29
        case
            when
                (
                    monthly_spend.month_start + {{ interval_of(1, 'month') }} - {{ interval_of(1, 'day') }}
                )::date <= as_of.as_of_date
                and coalesce(monthly_cohorts.last_signup_date + 29 <= as_of.as_of_date, true)
                then {{ contract_cast('coalesce(monthly_cohorts.net_revenue_30d, 0)', 'money') }}
        end as revenue_30d,
        {{ is_paid_channel('monthly_spend.channel') }} and monthly_spend.spend > 0 as is_graded
    from monthly_spend
    cross join as_of
    left join monthly_cohorts
        on monthly_spend.month_start = monthly_cohorts.month_start and monthly_spend.channel = monthly_cohorts.channel
),

-- percent_rank() among the graded channels of the month with a value (NULLs and ungraded rows are partitioned away),
-- oriented so that the best gets 1
ranked as (
    select
        *,
        percent_rank() over (
            partition by month_start, is_graded, cac is null order by cac desc nulls first
        ) as cac_percent_rank,
        percent_rank() over (
            partition by month_start, is_graded, retention_d7 is null order by retention_d7 asc nulls last
        ) as retention_d7_percent_rank,
        percent_rank() over (
            partition by month_start, is_graded, purchase_conversion_30d is null
            order by purchase_conversion_30d asc nulls last
        ) as purchase_conversion_30d_percent_rank
    from measured
),

graded_ranks as (
    select
        *,
        case when is_graded and cac is not null then cac_percent_rank end as cac_rank,
        case when is_graded and retention_d7 is not null then retention_d7_percent_rank end as retention_d7_rank,
        case
            when is_graded and purchase_conversion_30d is not null then purchase_conversion_30d_percent_rank
        end as purchase_conversion_30d_rank
    from ranked
),

scored as (
    select
        *,
        -- rounded to 10 places so that float noise in percent_rank() never moves a grade boundary
        {{ contract_cast(rounded_ratio(
            '(coalesce(cac_rank, 0) + coalesce(retention_d7_rank, 0) + coalesce(purchase_conversion_30d_rank, 0))
            / nullif(
                (cac_rank is not null)::int
                + (retention_d7_rank is not null)::int
                + (purchase_conversion_30d_rank is not null)::int,
                0
            )',
            10
        ), 'ratio') }} as grade_score
    from graded_ranks
),

final as (
    select
        -- keys
        month_start,
        channel,

        -- acquisition
        spend,
        impressions,
        clicks,
        signups,
        cac,

        -- cohort quality
        retention_d7,
        purchase_conversion_30d,
        revenue_30d,
        {{ contract_cast(safe_divide('revenue_30d', 'spend'), 'ratio') }} as roas_30d,

        -- grade (paid channels with spend only); no rankable measure at all scores as the worst
        grade_score,
        case
            when not is_graded then null
            when grade_score >= 0.75 then 'S'
            when grade_score >= 0.5 then 'A'
            when grade_score >= 0.25 then 'B'
            else 'C'
        end as grade
    from scored
)

select * from final
