-- one row per raw survey response record (re-exports kept; fct_survey_responses keeps the latest delivery)
with

surveys as (
    select * from {{ source('raw', 'surveys') }}
),

ledger as (
    -- files the raw gate held back (README: Quality gates) stay out of the marts
    select * from {{ source('ops', 'ingest_ledger') }}
    where held_because is null
),

parsed as (
    select
        -- keys and lineage
        surveys.file_id,
        surveys.line_number,
        ledger.delivery_date,
        btrim(surveys.response_id) as response_id,
        btrim(surveys.survey_id) as survey_id,
        nullif(btrim(surveys.user_id), '') as user_id,
        -- answers
        {{ parse_timestamp('surveys.submitted_at') }} as submitted_at,
        {{ parse_integer('surveys.nps_score') }} as nps_score,
        {{ parse_integer('surveys.csat_score') }} as csat_score,
        {{ mask_pii('surveys.comment') }} as comment
    from surveys
    inner join ledger on surveys.file_id = ledger.file_id
),

final as (
    select
        file_id,
        line_number,
        delivery_date,
        response_id,
        survey_id,
        user_id,
        submitted_at,
        {{ business_date('submitted_at') }} as submitted_date,
        nps_score,
        csat_score,
        comment
    from parsed
)

select * from final
