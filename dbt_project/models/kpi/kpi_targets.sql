-- one row per (target_name, period_start): each target of config/targets.yml in every period of the reporting window
-- A period's figures are to date (through as_of_date); sums are forecast to the period's end at their run rate,
-- means and ratios are their own forecast.
-- depends_on: {{ ref('kpi_daily') }}, {{ ref('kpi_channel_daily') }}, {{ ref('kpi_retention_cohorts') }},
-- {{ ref('kpi_survey_monthly') }} (the models of the target kinds, measures below)

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

targets as (
    select * from {{ ref('stg_ops__targets') }}
),

-- every KPI a target can name (the `target` meta of the kpi columns, macros/kpi/target_kinds.sql) as
-- (date, kpi, channel, numerator, denominator, is_sum); a sum's denominator is NULL
measures as (
    {{ target_measures() }}
),

kinds as (
    {{ target_kind_rows() }}
),

{%- set period_length = interval_from_text("'1 ' || targets.period_type") %}  {#- 1 week | 1 month #}

periods as (
    select
        targets.target_name,
        periods.period_start::date as period_start,
        (periods.period_start + {{ period_length }} - {{ interval_of(1, 'day') }})::date as period_end
    from targets
    cross join as_of
    {{ series_join(
        'date_trunc(targets.period_type, as_of.first_date::timestamp)',
        'as_of.as_of_date::timestamp',
        period_length,
        'periods',
        'period_start',
    ) }}
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
        {{ days_between('periods.period_start', 'least(periods.period_end, as_of.as_of_date)') }} + 1 as days_elapsed,
        {{ days_between('periods.period_start', 'periods.period_end') }} + 1 as days_in_period,
        periods.period_end <= as_of.as_of_date as complete,
        case
            when kinds.is_sum then coalesce(to_date.numerator, 0)
            else {{ safe_divide('to_date.numerator', 'to_date.denominator') }}
        end as actual_to_date,
        kinds.is_sum
    from periods
    inner join targets on periods.target_name = targets.target_name
    inner join to_date
        on periods.target_name = to_date.target_name and periods.period_start = to_date.period_start
    inner join kinds on targets.kpi = kinds.kpi
    cross join as_of
),

forecast as (
    select
        judged.*,
        case
            when judged.is_sum
                then {{ quotient('judged.actual_to_date * judged.days_in_period', 'judged.days_elapsed') }}
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
        {{ contract_cast('target', 'ratio') }} as target,  -- noqa: RF04
        direction,
        owner,
        -- progress
        complete,
        days_elapsed,
        days_in_period,
        {{ contract_cast('actual_to_date', 'ratio') }} as actual_to_date,
        {{ contract_cast('forecast', 'ratio') }} as forecast,
        case
            when direction = 'at_least' then {{ contract_cast(safe_divide('forecast', 'target'), 'ratio') }}
            else {{ contract_cast(safe_divide('target', 'forecast'), 'ratio') }}
        end as attainment,
        case
            when forecast is null then null
            when direction = 'at_least' then forecast >= target
            else forecast <= target
        end as on_track
    from forecast
)

select * from final
