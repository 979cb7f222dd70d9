-- one row per (user_id, activity_date) with at least one activity event
-- Incremental: the dates new files can have changed are rebuilt whole (macros/recompute.sql).
-- depends_on: {{ ref('stg_ops__ingest_ledger') }}
-- a warehouse built before: the new watermark column is added empty, so the first run rebuilds every row
-- the key, enforced on every insert (a data test would scan the whole history on every run)
{{
    config(
        materialized=recomputed_materialization(),
        on_schema_change="append_new_columns",
        pre_hook="{{ recompute_dates_start('activity_date') }}",
        indexes=[{"columns": ["activity_date", "user_id"], "unique": true}, {"columns": ["file_id"]}],
    )
}}
with

events as (
    select * from {{ ref('fct_events') }}
),

final as (
    select
        user_id,
        event_date as activity_date,
        count(*) as activity_events,
        {{ sorted_text_set('feature', "event_name = 'feature_use'") }} as features,
        max(file_id) as file_id
    from events
    where is_activity and user_id is not null and {{ is_recomputed_date('event_date') }}
    group by user_id, event_date
)

select * from final
