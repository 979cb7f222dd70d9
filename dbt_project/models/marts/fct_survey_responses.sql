-- one row per response_id: the latest delivery wins
with

responses as (
    select * from {{ ref('stg_raw__survey_responses') }}
),

latest as (
    {{ deduplicate('responses', ['response_id'], keep='latest') }}
),

final as (
    select
        -- keys
        response_id,
        survey_id,
        user_id,
        -- time
        submitted_at,
        submitted_date,
        date_trunc('month', submitted_date)::date as month_start,
        -- answers
        nps_score,
        csat_score,
        comment
    from latest
)

select * from final
