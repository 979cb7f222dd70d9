-- one row per date from the first event, spend, feedback or survey date to the last
with

clean_events as (
    select * from {{ ref('fct_events') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend_daily') }}
),

feedback as (
    select * from {{ ref('fct_feedback') }}
),

responses as (
    select * from {{ ref('fct_survey_responses') }}
),

bounds as (
    select
        min(first_date) as first_date,
        max(last_date) as last_date
    from (
        select
            min(event_date) as first_date,
            max(event_date) as last_date
        from clean_events
        union all
        select
            min(spend_date) as first_date,
            max(spend_date) as last_date
        from spend
        union all
        select
            min(created_date) as first_date,
            max(created_date) as last_date
        from feedback
        union all
        select
            min(submitted_date) as first_date,
            max(submitted_date) as last_date
        from responses
    ) as source_bounds
),

final as (
    select
        series.calendar_day::date as date,
        date_trunc('week', series.calendar_day)::date as iso_week_start,
        date_trunc('month', series.calendar_day)::date as month_start,
        {{ iso_day_of_week('series.calendar_day') }} as day_of_week
    from bounds
    cross join lateral {{ date_series('bounds.first_date', 'bounds.last_date') }} as series (calendar_day)
)

select * from final
