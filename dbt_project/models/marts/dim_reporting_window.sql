-- one row: the reporting window every kpi model shares

with events as (
    select * from {{ ref('fct_events') }}
),

users as (
    select * from {{ ref('dim_users') }}
),

activity_bounds as (
    select
        min(event_date) as first_activity_date,
        max(event_date) as last_activity_date
    from events
    where is_activity
),

signup_bounds as (
    select min(signup_date) as first_signup_date
    from users
    where is_registered
),

final as (
    select
        activity_bounds.last_activity_date as as_of_date,
        least(activity_bounds.first_activity_date, signup_bounds.first_signup_date) as first_date
    from activity_bounds
    cross join signup_bounds
)

select * from final
