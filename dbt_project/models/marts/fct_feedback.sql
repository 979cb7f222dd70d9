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
        extract(epoch from first_response_at - created_at) / 60 as first_response_minutes,
        extract(epoch from resolved_at - created_at) / 3600 as resolution_hours
    from latest
)

select * from final
