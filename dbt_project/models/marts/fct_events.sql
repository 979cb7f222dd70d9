-- one row per clean event: deduplicated by event_id, the first delivered copy wins
-- Incremental: every event_id with a copy in new raw files (file_id above the table's newest) or an event_date in the
-- lookback window is recomputed from all of its raw copies, so any sequence of runs equals a full refresh.
{%- set backfill = backfill_range() %}
with

raw_events as (
    select * from {{ ref('stg_raw__events') }}
),

{% if is_incremental() %}
existing as (
    select * from {{ this }}
),

touched_event_ids as (
    {% if backfill is not none %}
        select event_id
        from raw_events
        where event_date between {{ backfill[0] }} and {{ backfill[1] }}
    {% else %}
        select event_id
        from raw_events
        where file_id > (select coalesce(max(existing.file_id), 0) from existing)
        union
        select event_id
        from existing
        where event_date >= (select max(existing.event_date) from existing) - {{ var('lookback_days') | int }}
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
