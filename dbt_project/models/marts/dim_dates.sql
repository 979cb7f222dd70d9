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
            min(spend_date),
            max(spend_date)
        from spend
        union all
        select
            min(created_date),
            max(created_date)
        from feedback
        union all
        select
            min(submitted_date),
            max(submitted_date)
        from responses
    ) as source_bounds
),

final as (
    select
        days.day::date as date,
        date_trunc('week', days.day)::date as iso_week_start,
        date_trunc('month', days.day)::date as month_start,
        extract(isodow from days.day)::integer as day_of_week
    from bounds
    cross join lateral generate_series(bounds.first_date, bounds.last_date, interval '1 day') as days (day)
)

select * from final
