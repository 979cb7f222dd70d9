-- one row per landing file seen by ingestion
with

ledger as (
    select * from {{ source('ops', 'ingest_ledger') }}
),

releases as (
    select * from {{ source('ops', 'file_releases') }}
),

final as (
    select
        file_id,
        load_id,
        source,
        path,
        delivery_date,
        content_sha256,
        size_bytes,
        encoding,
        status,
        is_copy,
        message,
        records_read,
        records_loaded,
        records_quarantined,
        records_skipped,
        schema_drift,
        started_at,
        finished_at,
        exists(
            select releases.file_id
            from releases
            where releases.file_id = ledger.file_id
        ) as is_released
    from ledger
)

select * from final
