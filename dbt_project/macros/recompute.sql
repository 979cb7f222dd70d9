{#-
    Incremental helpers downstream of fct_events. Such a model keeps `file_id`, the newest ledger file its rows were
    built from (its watermark). An incremental run recomputes exactly what a new file can change:

    - the business dates of fct_events rows from files newer than the watermark (new events, late events of any date,
      copies found late that now win), by fct_events' file_id index;
    - the last var('lookback_days') dates, as fct_events rewrites them (the old date of a winner replaced there);
    - a backfill's range (vars backfill_start / backfill_end).

    The pre-hook `recompute_dates_start(key)` stores the keys to recompute in the session's temporary table
    `recomputed_keys` (dropped at commit) and deletes them from the model's table; the model then selects exactly those
    keys from `recomputed_keys`, so rows whose events are gone disappear too. The materialization inserts them.
-#}

{#- The dates a new file can have changed, for a model whose watermark column is `file_id`. -#}
{% macro changed_event_dates() -%}
    {%- set backfill = backfill_range() -%}
    select new_events.event_date
    from {{ ref('fct_events') }} as new_events
    where new_events.file_id > (select coalesce(max(watermark.file_id), 0) from {{ this }} as watermark)
    union
    select lookback.event_date::date
    from generate_series(
        (select max(latest.event_date) from {{ ref('fct_events') }} as latest) - {{ var('lookback_days') | int }},
        (select max(latest.event_date) from {{ ref('fct_events') }} as latest),
        interval '1 day'
    ) as lookback (event_date)
    {%- if backfill is not none %}
    union
    select backfill.event_date::date
    from generate_series({{ backfill[0] }}, {{ backfill[1] }}, interval '1 day') as backfill (event_date)
    {%- endif %}
{%- endmacro %}

{#-
    Pre-hook: `keys_sql` selects one column `key` (the model's `key_column` values to rebuild); they are stored in
    `recomputed_keys` and deleted from the model's table. Nothing on a full build.
-#}
{% macro recompute_start(key_column, keys_sql) -%}
    {%- if is_incremental() -%}
        create temporary table recomputed_keys on commit drop as {{ keys_sql }};
        analyze recomputed_keys;
        delete from {{ this }} where {{ key_column }} in (select recomputed_keys.key from recomputed_keys)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model keyed by business date: recompute the changed dates. -#}
{% macro recompute_dates_start(date_column) -%}
    {{ recompute_start(date_column, 'select event_date as key from (' ~ changed_event_dates() ~ ') as changed') }}
{%- endmacro %}

{#- In the model's SQL: the filter that keeps the keys being recomputed (true on a full build). -#}
{% macro is_recomputed(key_expression) -%}
    {%- if is_incremental() -%}
        {{ key_expression }} in (select recomputed_keys.key from recomputed_keys)
    {%- else -%}
        true
    {%- endif -%}
{%- endmacro %}

{#-
    The event_ids fct_money_events rebuilds: clean events from files newer than its watermark (whatever their name: a
    winner that is no money event any more loses its row), money events on or after the date of a rate in a newer fx
    file, and a backfill's range.
-#}
{% macro changed_money_events() -%}
    {%- set backfill = backfill_range() -%}
    {%- set watermark = '(select coalesce(max(watermark.file_id), 0) from ' ~ this ~ ' as watermark)' -%}
    select new_events.event_id as key
    from {{ ref('fct_events') }} as new_events
    where new_events.file_id > {{ watermark }}
    union
    select repriced.event_id
    from {{ ref('fct_events') }} as repriced
    where
        repriced.event_name in ('purchase', 'refund')
        and repriced.event_date >= (
            select min(rates.rate_date)
            from {{ ref('stg_raw__fx_rates') }} as rates
            where rates.file_id > {{ watermark }}
        )
    {%- if backfill is not none %}
    union
    select in_range.event_id
    from {{ this }} as in_range
    where in_range.event_date between {{ backfill[0] }} and {{ backfill[1] }}
    union
    select in_range.event_id
    from {{ ref('fct_events') }} as in_range
    where in_range.event_date between {{ backfill[0] }} and {{ backfill[1] }}
    {%- endif %}
{%- endmacro %}
