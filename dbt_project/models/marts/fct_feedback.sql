-- one row per feedback_id: the latest delivery wins (status updates arrive as re-exports)
with

feedback as (
    select * from {{ ref('stg_raw__feedback') }}
),

latest as (
    {{ deduplicate('feedback', ['feedback_id'], keep='latest') }}
),

final as (
    select
        -- keys
        feedback_id,
        user_id,
        -- time
        created_at,
        created_date,
        -- dimensions
        channel,
        category,
        rating,
        content,
        status,
        -- handling
        first_response_at,
        resolved_at,
        {{ contract_cast(
            seconds_between('created_at', 'first_response_at') ~ ' / 60', 'ratio'
        ) }} as first_response_minutes,
        {{ contract_cast(seconds_between('created_at', 'resolved_at') ~ ' / 3600', 'ratio') }} as resolution_hours
    from latest
)

select * from final
