-- one row per (delivery_date, source) with at least one file other than a byte-identical re-delivery

with ledger as (
    select * from {{ ref('stg_ops__ingest_ledger') }}
),

quality_results as (
    select * from {{ ref('stg_ops__quality_results') }}
),

duplicates as (
    select * from {{ ref('fct_duplicates_removed') }}
),

unconverted as (
    select
        delivery_date,
        source,
        sum(records) as records_unconverted
    from {{ ref('fct_unconverted_money') }}
    group by delivery_date, source
),

files as (
    select
        delivery_date,
        source,
        count(*) as files,
        count(*) filter (where status = 'rejected') as files_rejected,
        -- a rejected file contributes no records
        coalesce(sum(records_read) filter (where status != 'rejected'), 0) as records_read,
        coalesce(sum(records_loaded) filter (where status != 'rejected'), 0) as records_loaded,
        coalesce(sum(records_quarantined) filter (where status != 'rejected'), 0) as records_quarantined,
        coalesce(sum(records_skipped) filter (where status != 'rejected'), 0) as records_skipped,
        bool_and(records_read = records_loaded + records_quarantined + records_skipped) as reconciled
    from ledger
    where not is_copy
    group by delivery_date, source
),

checks as (
    select
        delivery_date,
        source,
        -- each check once per delivery date, however many gate runs validated its files (a late file, a rerun
        -- after a crash): a crash and its rerun leave what one run leaves
        count(distinct suite || '.' || expectation) as checks_run,
        count(distinct suite || '.' || expectation) filter (where not success) as checks_failed
    from quality_results
    where delivery_date is not null and source is not null
    group by delivery_date, source
),

final as (
    select
        -- keys
        files.delivery_date,
        files.source,

        -- files and records
        files.files::bigint as files,
        files.files_rejected::bigint as files_rejected,
        files.records_read::bigint as records_read,
        files.records_loaded::bigint as records_loaded,
        files.records_quarantined::bigint as records_quarantined,
        files.records_skipped::bigint as records_skipped,
        files.reconciled,
        coalesce(duplicates.duplicates_removed, 0)::bigint as duplicates_removed,
        coalesce(unconverted.records_unconverted, 0)::bigint as records_unconverted,

        -- rates
        {{ contract_cast(safe_divide('files.records_loaded', 'files.records_read'), 'ratio') }} as accuracy_rate,
        {{ contract_cast(safe_divide('coalesce(duplicates.duplicates_removed, 0)', 'files.records_loaded'), 'ratio') }}
            as duplicate_rate,

        -- quality checks on the batch
        coalesce(checks.checks_run, 0)::bigint as checks_run,
        coalesce(checks.checks_failed, 0)::bigint as checks_failed
    from files
    left join duplicates on files.delivery_date = duplicates.delivery_date and files.source = duplicates.source
    left join checks on files.delivery_date = checks.delivery_date and files.source = checks.source
    left join unconverted on files.delivery_date = unconverted.delivery_date and files.source = unconverted.source
)

select * from final
