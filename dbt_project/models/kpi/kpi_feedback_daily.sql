-- one row per (date, category) that has feedback, by business date of created_at

with feedback as (
    select * from {{ ref('fct_feedback') }}
),

final as (
    select
        -- keys
        created_date as date,
        category,

        -- volume
        count(*)::bigint as feedback_count,
        count(*) filter (where category = 'complaint')::bigint as complaints,
        {{ contract_cast(trimmed('avg(rating)'), 'ratio') }} as avg_rating,

        -- response: percentiles over answered feedback of the exact elapsed seconds, then / 60
        count(first_response_at)::bigint as responded,
        {{ contract_cast(
            safe_divide('percentile_cont(0.5) within group (order by first_response_minutes * 60)', 60), 'ratio'
        ) }} as median_first_response_minutes,
        {{ contract_cast(
            safe_divide('percentile_cont(0.9) within group (order by first_response_minutes * 60)', 60), 'ratio'
        ) }} as p90_first_response_minutes,

        -- resolution
        count(resolved_at)::bigint as resolved,
        {{ contract_cast(safe_divide('count(resolved_at)', 'count(*)'), 'ratio') }} as resolution_rate,
        {{ contract_cast(
            safe_divide('percentile_cont(0.5) within group (order by resolution_hours * 3600)', 3600), 'ratio'
        ) }} as median_resolution_hours
    from feedback
    group by created_date, category
)

select * from final
