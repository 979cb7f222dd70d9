-- Warns about clean events of the latest ingest run that arrived more than var('lookback_days') after their business
-- date: fct_events itself stays exact (it recomputes every new event_id), but a scheduled run has already published
-- KPIs for those days, so their owners should know the numbers moved.
{{ config(severity='warn') }}

with

ledger as (
    select * from {{ ref('stg_ops__ingest_ledger') }}
),

clean_events as (
    select * from {{ ref('fct_events') }}
),

latest_load as (
    select load_id
    from ledger
    where source = 'events'
    order by finished_at desc, file_id desc
    limit 1
),

-- in_query (PostgreSQL: `= any(array(...))`): the latest load's events by fct_events' file_id index, not by a scan
-- of the whole history
final as (
    select
        clean_events.event_id,
        clean_events.event_date,
        clean_events.delivery_date,
        clean_events.file_id
    from clean_events
    where
        {{ in_query(
            'clean_events.file_id',
            'select ledger.file_id from ledger inner join latest_load on ledger.load_id = latest_load.load_id'
        ) }}
        and clean_events.event_date < clean_events.delivery_date - {{ var('lookback_days') | int }}
)

select * from final
