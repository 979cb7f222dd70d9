-- one row per raw event record (duplicates kept; fct_events deduplicates)
-- No import CTEs on purpose: PostgreSQL cannot flatten a view with a WITH clause into the query reading it, and then
-- fct_events' incremental filter on event_id could not reach raw.events before every record is parsed.
select
    file_id,
    line_number,
    delivery_date,
    event_id,
    event_name,
    event_at,
    {{ business_date('event_at') }} as event_date,
    event_name in ({{ "'" ~ var('activity_events') | join("', '") ~ "'" }}) as is_activity,
    user_id,
    anonymous_id,
    platform,
    app_version,
    utm_source,
    utm_medium,
    utm_campaign,
    feature,
    experiment_id,
    variant,
    order_id,
    currency,
    amount,
    cost
from (
    select
        -- keys and lineage
        events.file_id,
        events.line_number,
        ledger.delivery_date,
        btrim(events.event_id) as event_id,
        btrim(events.event_name) as event_name,
        -- time
        -- the loader's reading when it needed no source zone, else read here (naive times follow var('source_tz'))
        coalesce(events.event_at, {{ parse_timestamp('events.event_time') }}) as event_at,
        -- who and where
        nullif(btrim(events.user_id), '') as user_id,
        nullif(btrim({{ json_text('events.payload', ['anonymous_id']) }}), '') as anonymous_id,
        {{ map_alias(
            json_text('events.payload', ['platform']), 'platform_aliases', 'platform', blank_value=none
        ) }} as platform,
        nullif(btrim({{ json_text('events.payload', ['app_version']) }}), '') as app_version,
        {{ json_text('events.payload', ['utm_source']) }} as utm_source,
        {{ json_text('events.payload', ['utm_medium']) }} as utm_medium,
        {{ json_text('events.payload', ['utm_campaign']) }} as utm_campaign,
        -- properties
        nullif(btrim({{ json_text('events.payload', ['properties', 'feature']) }}), '') as feature,
        nullif(btrim({{ json_text('events.payload', ['properties', 'experiment_id']) }}), '') as experiment_id,
        nullif(btrim({{ json_text('events.payload', ['properties', 'variant']) }}), '') as variant,
        case
            when btrim(events.event_name) in ('purchase', 'refund')
                then nullif(btrim({{ json_text('events.payload', ['properties', 'order_id']) }}), '')
        end as order_id,
        upper(nullif(btrim({{ json_text('events.payload', ['properties', 'currency']) }}), '')) as currency,
        {{ parse_number(json_text('events.payload', ['properties', 'amount'])) }} as amount,
        {{ parse_number(json_text('events.payload', ['properties', 'cost'])) }} as cost
    from {{ source('raw', 'events') }} as events
    inner join {{ source('ops', 'ingest_ledger') }} as ledger
        on events.file_id = ledger.file_id and ledger.held_because is null  -- files the raw gate held back stay out
) as parsed
