-- one row per (delivery_date, source) seen in the ledger: loaded records dropped by deduplication
-- events: the later copy of an event_id, at its own delivery date (raw records minus the winners of that date);
-- feedback, surveys, marketing_spend: the superseded earlier delivery, at its delivery date. fx_rates re-deliveries
-- are resolved too (int_fx_rates_resolved) but are not counted here, as kpi_data_quality.duplicates_removed defines.
-- Incremental: the events rows from the earliest delivery date of an events file not read yet are recomputed (a copy
-- in such a file only replaces a winner delivered on a later date); the other sources, small, are recomputed whole.
-- the key, enforced on every insert (a data test would scan the whole table on every run)
{{
    config(
        materialized=recomputed_materialization(),
        pre_hook="{{ recompute_event_deliveries_start() }}",
        post_hook="{{ save_watermark() }}",
        indexes=[{"columns": ["delivery_date", "source"], "unique": true}],
    )
}}
{%- set first_date = recomputed_event_deliveries() %}
with

ledger as (
    select * from {{ ref('stg_ops__ingest_ledger') }}
),

-- in_query (PostgreSQL: `= any(array(...))`): by fct_events' file_id index and raw.events' key, so the cost
-- follows the recomputed dates
recomputed_files as (
    select file_id from ledger
    {%- if first_date is not none %}
    where delivery_date >= {{ first_date }}
    {%- endif %}
),

raw_events as (
    select * from {{ ref('stg_raw__events') }}
    where {{ in_query('file_id', 'select recomputed_files.file_id from recomputed_files') }}
),

clean_events as (
    select * from {{ ref('fct_events') }}
    where {{ in_query('file_id', 'select recomputed_files.file_id from recomputed_files') }}
),

feedback as (
    select * from {{ ref('stg_raw__feedback') }}
),

surveys as (
    select * from {{ ref('stg_raw__survey_responses') }}
),

spend as (
    select * from {{ ref('stg_raw__marketing_spend') }}
),

sources as (
    select distinct
        delivery_date,
        source
    from ledger
),

event_records as (
    select
        delivery_date,
        count(*) as records
    from raw_events
    group by delivery_date
),

event_winners as (
    select
        delivery_date,
        count(*) as records
    from clean_events
    group by delivery_date
),

event_duplicates as (
    select
        event_records.delivery_date,
        'events' as source,
        event_records.records - coalesce(event_winners.records, 0) as duplicates_removed
    from event_records
    left join event_winners on event_records.delivery_date = event_winners.delivery_date
),

{% set latest_wins = {
    'feedback': ['feedback_id'],
    'surveys': ['response_id'],
    'spend': ['spend_date', 'channel_key', 'campaign_id'],
} %}
{% set source_names = {'spend': 'marketing_spend'} %}
{% for cte, keys in latest_wins.items() %}
{{ cte }}_superseded as (
    select
        delivery_date,
        '{{ source_names.get(cte, cte) }}' as source,
        count(*) as duplicates_removed
    from (
        select
            delivery_date,
            row_number() over (
                partition by {{ keys | join(', ') }}
                order by delivery_date desc, file_id desc, line_number desc
            ) as delivery_rank
        from {{ cte }}
    ) as ranked
    where delivery_rank > 1
    group by delivery_date
),
{% endfor %}

duplicates as (
    select * from event_duplicates
    {% for cte in latest_wins %}
    union all
    select * from {{ cte }}_superseded
    {% endfor %}
),

final as (
    select
        sources.delivery_date,
        sources.source,
        coalesce(duplicates.duplicates_removed, 0)::bigint as duplicates_removed
    from sources
    left join duplicates
        on
            sources.delivery_date = duplicates.delivery_date
            and sources.source = duplicates.source
    {%- if first_date is not none %}
    where {{ is_recomputed_delivery('sources.source', 'sources.delivery_date', first_date) }}
    {%- endif %}
)

select * from final
