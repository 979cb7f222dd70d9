-- one row per raw feedback record (re-exports kept; fct_feedback keeps the latest delivery)
with

feedback as (
    select * from {{ source('raw', 'feedback') }}
),

ledger as (
    -- files the raw gate held back (README: Quality gates) stay out of the marts
    select * from {{ source('ops', 'ingest_ledger') }}
    where held_because is null
),

parsed as (
    select
        -- keys and lineage
        feedback.file_id,
        feedback.line_number,
        ledger.delivery_date,
        btrim(feedback.feedback_id) as feedback_id,
        nullif(btrim(feedback.user_id), '') as user_id,
        -- dimensions
        {{ parse_timestamp('feedback.created_at') }} as created_at,
        {{ map_alias('feedback.channel', 'feedback_channel_aliases', 'channel') }} as channel,
        nullif(btrim(feedback.channel), '') as channel_alias,
        {{ map_alias('feedback.category', 'feedback_category_aliases', 'category') }} as category,
        nullif(btrim(feedback.category), '') as category_alias,
        {{ parse_integer('feedback.rating') }} as rating,
        {{ mask_pii('feedback.content') }} as content,
        lower(nullif(btrim(feedback.status), '')) as status,
        {{ parse_timestamp('feedback.first_response_at') }} as first_response_at,
        {{ parse_timestamp('feedback.resolved_at') }} as resolved_at
    from feedback
    inner join ledger on feedback.file_id = ledger.file_id
),

final as (
    select
        file_id,
        line_number,
        delivery_date,
        feedback_id,
        user_id,
        created_at,
        {{ business_date('created_at') }} as created_date,
        channel,
        channel_alias,
        category,
        category_alias,
        rating,
        content,
        status,
        first_response_at,
        resolved_at
    from parsed
)

select * from final
