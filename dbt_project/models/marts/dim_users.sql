-- one row per user_id that signed up or was ever active
with

clean_events as (
    select * from {{ ref('fct_events') }}
),

active_days as (
    select * from {{ ref('fct_user_active_days') }}
),

signups as (
    select *
    from clean_events
    where event_name = 'signup' and user_id is not null
),

earliest_signups as (
    {{ deduplicate('signups', ['user_id'], order_by='event_at asc, event_id asc') }}
),

activity as (
    select
        user_id,
        min(activity_date) as first_active_date,
        max(activity_date) as last_active_date
    from active_days
    group by user_id
),

users as (
    select user_id from earliest_signups
    union
    select user_id from activity
),

final as (
    select
        users.user_id,
        earliest_signups.user_id is not null as is_registered,
        earliest_signups.event_at as signup_at,
        earliest_signups.event_date as signup_date,
        case
            when earliest_signups.user_id is not null
                then {{ map_alias('earliest_signups.utm_source', 'channel_aliases', 'channel', blank_value='organic') }}
        end as channel,
        earliest_signups.utm_source,
        activity.first_active_date,
        activity.last_active_date
    from users
    left join earliest_signups on users.user_id = earliest_signups.user_id
    left join activity on users.user_id = activity.user_id
)

select * from final
