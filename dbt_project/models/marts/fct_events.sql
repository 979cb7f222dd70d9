-- one row per clean event: deduplicated by event_id, the first delivered copy wins
-- Incremental: every event_id with a copy in new raw files (file_id above the table's newest) or an event_date in the
-- lookback window is recomputed from all of its raw copies, so any sequence of runs equals a full refresh.
{%- set backfill = backfill_range() %}
with

raw_events as not materialized (
    -- referenced twice; inlined so that filters on raw columns reach raw.events before any parsing
    select * from {{ ref('stg_raw__events') }}
),

{% if is_incremental() %}
existing as (
    select * from {{ this }}
),

watermarks as (
    select
        coalesce(max(file_id), 0) as max_file_id,
        max(event_date) - {{ var('lookback_days') | int }} as window_start
    from existing
),

touched_event_ids as (
    {% if backfill is not none %}
    select event_id
    from raw_events
    where event_date between {{ backfill[0] }} and {{ backfill[1] }}
    {% else %}
    select raw_events.event_id
    from raw_events
    cross join watermarks
    where raw_events.file_id > watermarks.max_file_id
    union
    select existing.event_id
    from existing
    cross join watermarks
    where existing.event_date >= watermarks.window_start
    {% endif %}
),

candidates as (
    select *
    from raw_events
    where event_id in (select touched_event_ids.event_id from touched_event_ids)
),
{% else %}
candidates as (
    select * from raw_events
),
{% endif %}

first_delivered as (
    {{ deduplicate('candidates', ['event_id'], keep='first') }}
),

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
    from first_delivered
)

select * from final
