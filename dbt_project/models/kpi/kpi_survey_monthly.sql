-- one row per (month_start, survey_id), by business date of submitted_at

with responses as (
    select * from {{ ref('fct_survey_responses') }}
),

-- per (survey_id, respondent, month) only the latest submission counts, even when its answer is empty
latest_submissions as (
    select *
    from (
        select
            *,
            row_number() over (
                partition by survey_id, coalesce(user_id, 'response:' || response_id), month_start
                order by submitted_at desc nulls first, response_id desc nulls first
            ) as submission_rank
        from responses
    ) as ranked
    where submission_rank = 1
),

counted as (
    select
        month_start,
        survey_id,
        count(*) as responses,
        count(nps_score) as nps_responses,
        count(*) filter (where nps_score >= 9) as promoters,
        count(*) filter (where nps_score between 7 and 8) as passives,
        count(*) filter (where nps_score <= 6) as detractors,
        count(csat_score) as csat_responses,
        count(*) filter (where csat_score >= 4) as csat_satisfied,
        {{ trimmed('avg(csat_score)') }} as avg_csat
    from latest_submissions
    group by month_start, survey_id
),

final as (
    select
        -- keys
        month_start,
        survey_id,

        -- NPS (0-100 scale)
        responses::bigint as responses,
        nps_responses::bigint as nps_responses,
        promoters::bigint as promoters,
        passives::bigint as passives,
        detractors::bigint as detractors,
        {{ contract_cast(safe_divide('100 * (promoters - detractors)', 'nps_responses'), 'ratio') }} as nps,

        -- CSAT (top-2-box, 0-100 scale)
        csat_responses::bigint as csat_responses,
        {{ contract_cast(safe_divide('100 * csat_satisfied', 'csat_responses'), 'ratio') }} as csat,
        {{ contract_cast('avg_csat', 'ratio') }} as avg_csat
    from counted
)

select * from final
