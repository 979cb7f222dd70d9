-- one row per clean event: deduplicated by event_id, the first delivered copy wins
-- Incremental: the copies in new raw files compete with the current winner of their event_id (delivery order decides),
-- and events of the lookback window are rewritten, so any sequence of runs equals a full refresh.
-- depends_on: {{ ref('stg_ops__ingest_ledger') }}
-- The incremental run looks up event_ids, the newest file_id and the lookback dates: indexed, its cost follows
-- the day's data, not the history. Spark overwrites the event_date partitions the run changes, emitted complete
-- (Parquet has no delete), or merges on event_id where its tables are Delta or Iceberg (METRICS_SPARK_TABLE_FORMAT).
{%- set on_spark = target.type == 'spark' %}
{%- set merges = var('spark_table_format') in ('delta', 'iceberg') %}
{{
    config(
        materialized="incremental",
        incremental_strategy=(("merge" if merges else "insert_overwrite") if on_spark else "delete+insert"),
        partition_by=(["event_date"] if on_spark else none),
        unique_key="event_id",
        on_schema_change="fail",
        pre_hook="{{ delete_backfill_range('event_date') }}",
        indexes=[{"columns": ["event_id"], "unique": true}, {"columns": ["event_date"]}, {"columns": ["file_id"]}],
    )
}}
{%- set backfill = backfill_range() %}
with

raw_events as {{ cte_hint('not materialized') }} (
    -- referenced twice; inlined so that filters on raw columns reach raw.events before any parsing
    select * from {{ ref('stg_raw__events') }}
),

{% set fact_columns = [
    'event_id', 'event_name', 'user_id', 'anonymous_id', 'event_at', 'event_date', 'is_activity', 'platform',
    'app_version', 'feature', 'experiment_id', 'variant', 'order_id', 'utm_source', 'file_id', 'delivery_date',
] %}
{% if is_incremental() %}
{% if backfill is not none %}
-- a backfill recomputes every event_id with a copy dated in the range from all of its raw copies
candidates as (
    select
        {{ fact_columns | join(',\n        ') }},
        line_number
    from raw_events
    where
        event_id in (
            select in_range.event_id
            from raw_events as in_range
            where in_range.event_date between {{ backfill[0] }} and {{ backfill[1] }}
        )
),
{% else %}
watermarks as (
    select
        coalesce((select max(latest.file_id) from {{ this }} as latest), 0) as max_file_id,
        (select max(latest.event_date) from {{ this }} as latest) - {{ var('lookback_days') | int }} as window_start
),

-- the copies in files newer than the table, and in released files (held back by the raw gate when they were loaded;
-- PostgreSQL's `= any(array(...))` keeps the lookup an index scan)
new_copies as (
    select
        {{ fact_columns | join(',\n        ') }},
        line_number
    from raw_events
    where
        {{ in_query('file_id', (
            'select ledger.file_id from ' ~ ref('stg_ops__ingest_ledger') ~ ' as ledger'
            ~ ' where ledger.file_id > (select watermarks.max_file_id from watermarks) or ledger.is_released'
        )) }}
),

-- the current winners of those event_ids (a new copy replaces one only if it was delivered earlier: a file found
-- late), and the events of the lookback window; both by index on the table, so the cost follows the day's data
kept as (
    select
        {{ fact_columns | join(',\n        ') }},
        0 as line_number
    from {{ this }} as current_facts
    where
        {{ in_query('current_facts.event_id', 'select new_copies.event_id from new_copies') }}
        or current_facts.event_date >= (select watermarks.window_start from watermarks)
),

candidates as (
    select * from new_copies
    union all
    select * from kept
),
{% endif %}
{% else %}
candidates as (
    select * from raw_events
),
{% endif %}

first_delivered as (
    {{ deduplicate('candidates', ['event_id'], keep='first') }}
),
{% if is_incremental() and on_spark %}

-- the partitions overwritten are emitted complete: every date of a winner or of a current row of an event_id
-- recomputed, with its other rows as they are (a backfill's range holds only its winners)
rewritten_dates as (
    select first_delivered.event_date from first_delivered
    union
    select current_facts.event_date
    from {{ this }} as current_facts
    where current_facts.event_id in (select candidates.event_id from candidates)
),

unchanged as (
    select
        {{ fact_columns | join(',\n        ') }}
    from {{ this }} as current_facts
    where
        current_facts.event_date in (select rewritten_dates.event_date from rewritten_dates)
        and current_facts.event_id not in (select candidates.event_id from candidates)
        {%- if backfill is not none %}
        and current_facts.event_date not between {{ backfill[0] }} and {{ backfill[1] }}
        {%- endif %}
),

emitted as (
    select
        {{ fact_columns | join(',\n        ') }}
    from first_delivered
    union all
    select * from unchanged
),
{% else %}

emitted as (
    select * from first_delivered
),
{% endif %}

final as (
    select
        -- keys
        event_id,
        event_name,
        user_id,
        anonymous_id,
        -- time
        event_at,
        event_date,
        is_activity,
        -- dimensions
        platform,
        app_version,
        feature,
        experiment_id,
        variant,
        order_id,
        utm_source,
        -- lineage
        file_id,
        delivery_date
    from emitted
)

select * from final
