-- one row per clean purchase or refund event, with its money converted to var('reporting_currency')
-- Incremental: the events new files can have changed are rebuilt (macros/recompute.sql), and those a newly delivered
-- fx rate can change (event_date on or after the rate's date).
-- depends_on: {{ ref('stg_ops__ingest_ledger') }}, {{ ref('stg_raw__fx_rates') }}
-- a warehouse built before: the new watermark column is added empty, so the first run rebuilds every row
{{
    config(
        materialized=recomputed_materialization(),
        on_schema_change="append_new_columns",
        pre_hook="{{ recompute_start('event_id', changed_money_events()) }}",
        indexes=[{"columns": ["event_id"], "unique": true}, {"columns": ["file_id"]}],
    )
}}
with

clean_events as (
    select * from {{ ref('fct_events') }}
),

raw_events as (
    select * from {{ ref('stg_raw__events') }}
),

recomputed as (
    select *
    from clean_events
    where event_name in ('purchase', 'refund') and {{ is_recomputed('event_id') }}
),

-- the money copies in the files of those events (materialized: hashed below, never rescanned per event)
raw_money_copies as {{ cte_hint('materialized') }} (
    select
        event_id,
        file_id,
        line_number,
        currency,
        amount,
        cost
    from raw_events
    where
        event_name in ('purchase', 'refund')
        and {{ in_query('file_id', 'select distinct rebuilt.file_id from recomputed as rebuilt') }}
),

money_copies as (
    select
        recomputed.event_id,
        recomputed.event_name,
        recomputed.order_id,
        recomputed.user_id,
        recomputed.event_at,
        recomputed.event_date,
        raw_money_copies.currency,
        raw_money_copies.amount,
        raw_money_copies.cost,
        recomputed.file_id,
        raw_money_copies.line_number
    from recomputed
    inner join raw_money_copies
        on
            recomputed.event_id = raw_money_copies.event_id
            and recomputed.file_id = raw_money_copies.file_id
),

money_events as (
    -- the winning raw copy of each clean event: same event_id, same file, first line
    {{ deduplicate('money_copies', ['event_id'], order_by='line_number asc') }}
),

converted as (
    select
        *,
        {{ fx_rate('money_events.currency', 'money_events.event_date') }} as fx_rate
    from money_events
),

final as (
    select
        event_id,
        event_name,
        order_id,
        user_id,
        event_at,
        event_date,
        currency,
        {{ contract_cast('amount', 'money') }} as amount,
        {{ contract_cast('cost', 'money') }} as cost,
        {{ contract_cast('fx_rate', 'ratio') }} as fx_rate,
        {{ contract_cast('amount * fx_rate', 'money') }} as amount_reporting,
        {{ contract_cast('cost * fx_rate', 'money') }} as cost_reporting,
        file_id
    from converted
)

select * from final
