-- one row per (target_name, period_start): each target of config/targets.yml in every period of the reporting window
-- A period's figures are to date (through as_of_date); sums are forecast to the period's end at their run rate,
-- means and ratios are their own forecast.

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

targets as (
    select * from {{ ref('stg_ops__targets') }}
),

daily as (
    select * from {{ ref('kpi_daily') }}
),

channel_daily as (
    select * from {{ ref('kpi_channel_daily') }}
),

cohorts as (
    select * from {{ ref('kpi_retention_cohorts') }}
),

surveys as (
    select * from {{ ref('kpi_survey_monthly') }}
),

-- every KPI a target can name as (date, kpi, channel, numerator, denominator); a NULL denominator means a sum
measures as (
    select
        daily.date,
        measure.kpi,
        null::text as channel,
        measure.numerator,
        measure.denominator
    from daily
    cross join
        lateral (
            values
            ('new_users', daily.new_users::numeric, null::numeric),
            ('paid_new_users', daily.paid_new_users::numeric, null::numeric),
            ('orders', daily.orders::numeric, null::numeric),
            ('net_revenue', daily.net_revenue, null::numeric),
            ('marketing_spend', daily.marketing_spend, null::numeric),
            ('dau', daily.dau::numeric, 1::numeric),
            ('cac', daily.marketing_spend, daily.paid_new_users::numeric)
        ) as measure (kpi, numerator, denominator)
    union all
    select
        channel_daily.date,
        measure.kpi,
        channel_daily.channel,
        measure.numerator,
        measure.denominator
    from channel_daily
    cross join
        lateral (
            values
            ('marketing_spend', channel_daily.spend, null::numeric),
            ('cac', channel_daily.spend, channel_daily.signups::numeric)
        ) as measure (kpi, numerator, denominator)
    union all
    select
        signup_date as date,
        'retention_d7' as kpi,
        null::text as channel,
        retained_d7::numeric as numerator,
        cohort_size::numeric as denominator
    from cohorts
    where retention_d7 is not null
    union all
    select
        month_start as date,
        'nps' as kpi,
        null::text as channel,
        100.0 * (promoters - detractors) as numerator,
        nps_responses::numeric as denominator
    from surveys
),

periods as (
    select
        targets.target_name,
        periods.period_start::date as period_start,
        (periods.period_start + ('1 ' || targets.period_type)::interval - interval '1 day')::date as period_end
    from targets
    cross join as_of
    cross join
        lateral generate_series(
            date_trunc(targets.period_type, as_of.first_date::timestamp),
            as_of.as_of_date::timestamp,
            ('1 ' || targets.period_type)::interval  -- 1 week | 1 month
        ) as periods (period_start)
),

to_date as (
    select
        periods.target_name,
        periods.period_start,
        sum(measures.numerator) as numerator,
        sum(measures.denominator) as denominator
    from periods
    inner join targets on periods.target_name = targets.target_name
    cross join as_of
    left join measures
        on
            targets.kpi = measures.kpi
            and targets.channel is not distinct from measures.channel
            and measures.date between periods.period_start and least(periods.period_end, as_of.as_of_date)
    group by periods.target_name, periods.period_start
),

judged as (
    select
        targets.target_name,
        targets.kpi,
        targets.channel,
        targets.period_type,
        periods.period_start,
        periods.period_end,
        targets.target,
        targets.direction,
        targets.owner,
        least(periods.period_end, as_of.as_of_date) - periods.period_start + 1 as days_elapsed,
        periods.period_end - periods.period_start + 1 as days_in_period,
        periods.period_end <= as_of.as_of_date as complete,
        case
            when targets.kpi in ('cac', 'dau', 'retention_d7', 'nps')
                then {{ safe_divide('to_date.numerator', 'to_date.denominator') }}
            else coalesce(to_date.numerator, 0)
        end as actual_to_date,
        targets.kpi not in ('cac', 'dau', 'retention_d7', 'nps') as is_sum
    from periods
    inner join targets on periods.target_name = targets.target_name
    inner join to_date
        on periods.target_name = to_date.target_name and periods.period_start = to_date.period_start
    cross join as_of
),

forecast as (
    select
        judged.*,
        case
            when judged.is_sum then judged.actual_to_date * judged.days_in_period / judged.days_elapsed
            else judged.actual_to_date
        end as forecast
    from judged
),

final as (
    select
        -- keys
        target_name,
        period_start,
        -- the target
        kpi,
        channel,
        period_type,
        period_end,
        target,
        direction,
        owner,
        -- progress
        complete,
        days_elapsed,
        days_in_period,
        actual_to_date,
        forecast,
        case
            when direction = 'at_least' then {{ safe_divide('forecast', 'target') }}
            else {{ safe_divide('target', 'forecast') }}
        end as attainment,
        case
            when forecast is null then null
            when direction = 'at_least' then forecast >= target
            else forecast <= target
        end as on_track
    from forecast
)

select * from final
