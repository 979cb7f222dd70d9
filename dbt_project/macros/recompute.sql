{#-
    Incremental helpers downstream of fct_events. Such a model has a watermark: the newest ledger file its rows were
    built from (a `file_id` column of the marts helpers; for a KPI table, kept in marts.model_watermarks by the
    post-hook `save_watermark()`). An incremental run recomputes exactly what a newer file can change:

    - the business dates of fct_events rows from files newer than the watermark (new events, late events of any date,
      copies found late that now win), by fct_events' file_id index;
    - the last var('lookback_days') dates, as fct_events rewrites them (the old date of a winner replaced there; a
      winner replaced before that window needs `make backfill` over its old date);
    - a backfill's range (vars backfill_start / backfill_end).

    The pre-hook `recompute_start(key_column, keys_sql)` stores the keys to recompute in the session's temporary table
    `recomputed_keys` (dropped at commit) and deletes them from the model's table; the model then selects exactly those
    keys (`is_recomputed`), so rows whose events are gone disappear too. The materialization inserts them.
-#}

{#- The watermark of a model with a `file_id` column. -#}
{% macro file_id_watermark() -%}
    (select coalesce(max(watermark.file_id), 0) from {{ this }} as watermark)
{%- endmacro %}

{#- The watermark of a KPI table, and the post-hook that saves it: the newest file in fct_events when it was built. -#}
{% macro saved_watermark() -%}
    (
        select coalesce(max(saved.file_id), 0)
        from marts.model_watermarks as saved
        where saved.model = '{{ this.schema }}.{{ this.identifier }}'
    )
{%- endmacro %}

{% macro create_watermarks() -%}
    create table if not exists marts.model_watermarks (model text primary key, file_id bigint not null)
{%- endmacro %}

{#- Spark rebuilds these tables whole (macros/engine/incremental.sql): no watermark to keep. -#}
{% macro save_watermark() -%}
    {{ return(adapter.dispatch('save_watermark')()) }}
{%- endmacro %}

{% macro spark__save_watermark() -%}
{%- endmacro %}

{% macro default__save_watermark() -%}
    {{ create_watermarks() }};
    insert into marts.model_watermarks (model, file_id)
    select '{{ this.schema }}.{{ this.identifier }}', coalesce(max(built.file_id), 0)
    from {{ ref('fct_events') }} as built
    on conflict (model) do update set file_id = excluded.file_id
{%- endmacro %}

{#-
    A file the model has not read yet: newer than its watermark, or released (held back by the raw gate when it was
    loaded, so older than the watermark; a released file is re-read on every run, as fct_events does). `ledger`: the
    relation of stg_ops__ingest_ledger, for a caller that must not ref() it (macros/test_where_unread.sql).
-#}
{% macro unread_file(file_id_column, watermark, ledger=none) -%}
    {%- set ledger = ledger if ledger is not none else ref('stg_ops__ingest_ledger') -%}
    {#- PostgreSQL: `= any(array(...))` over the (small) ledger, found by the file_id index, not by a scan of history -#}
    {{ in_query(file_id_column, (
        'select ledger_file.file_id from ' ~ ledger ~ ' as ledger_file'
        ~ ' where ledger_file.file_id > ' ~ watermark ~ ' or ledger_file.is_released'
    )) }}
{%- endmacro %}

{#- The `date_column` values of the rows of `model` (a staged source) from files the model has not read. -#}
{% macro unread_dates(model, date_column, watermark) -%}
    select unread.{{ date_column }}
    from {{ ref(model) }} as unread
    where {{ unread_file('unread.file_id', watermark) }}
{%- endmacro %}

{#-
    The rows (of `columns`) in one of the sources and not in the other, both ways: what changed between the rows a model
    kept from its last build and the current ones. Each source is a relation or a parenthesised query.
-#}
{% macro changed_rows(columns, kept, current) -%}
    {%- set selected = columns | join(', ') -%}
    (select {{ selected }} from {{ kept }} as kept except select {{ selected }} from {{ current }} as current_rows)
    union all
    (select {{ selected }} from {{ current }} as current_rows except select {{ selected }} from {{ kept }} as kept)
{%- endmacro %}

{#-
    fct_duplicates_removed: the earliest delivery date of an events file the model has not read (null: none), or none
    on a full build. Pre-hook `recompute_event_deliveries_start()` deletes the rows recomputed: the events rows from that
    date on, and the rows of the other sources.
-#}
{% macro recomputed_event_deliveries() -%}
    {%- if is_incremental() -%}
        (
            select min(unread.delivery_date)
            from {{ ref('stg_ops__ingest_ledger') }} as unread
            where unread.source = 'events' and {{ unread_file('unread.file_id', saved_watermark()) }}
        )
    {%- else -%}
        {{ return(none) }}
    {%- endif -%}
{%- endmacro %}

{% macro recompute_event_deliveries_start() -%}
    {%- if is_incremental() -%}
        {{ create_watermarks() }};
        delete from {{ this }} where {{ is_recomputed_delivery('source', 'delivery_date', recomputed_event_deliveries()) }}
    {%- endif -%}
{%- endmacro %}

{#- A row fct_duplicates_removed recomputes, from `first_date` (`recomputed_event_deliveries()`). -#}
{% macro is_recomputed_delivery(source, delivery_date, first_date) -%}
    ({{ source }} <> 'events' or {{ delivery_date }} >= {{ first_date }})
{%- endmacro %}

{#- The dates a file newer than `watermark` (or released) can have changed. -#}
{% macro changed_event_dates(watermark=file_id_watermark()) -%}
    {%- set backfill = backfill_range() -%}
    select new_events.event_date
    from {{ ref('fct_events') }} as new_events
    where {{ unread_file('new_events.file_id', watermark) }}
    union
    select lookback.event_date::date
    from {{ date_series(
        '(select max(latest.event_date) from ' ~ ref('fct_events') ~ ' as latest) - ' ~ var('lookback_days') | int,
        '(select max(latest.event_date) from ' ~ ref('fct_events') ~ ' as latest)'
    ) }} as lookback (event_date)
    {%- if backfill is not none %}
    union
    select backfill.event_date::date
    from {{ date_series(backfill[0], backfill[1]) }} as backfill (event_date)
    {%- endif %}
{%- endmacro %}

{#-
    Pre-hook: `keys_sql` selects one column `key` (the model's `key_column` values to rebuild); they are stored in
    `recomputed_keys` and deleted from the model's table. Nothing on a full build. `dates`: the keys are dates.
-#}
{% macro recompute_start(key_column, keys_sql, dates=false) -%}
    {%- if is_incremental() -%}
        create temporary table recomputed_keys on commit drop as {{ keys_sql }};
        analyze recomputed_keys;
        delete from {{ this }} where {{ recomputed_key_filter(key_column, dates) }}
    {%- endif -%}
{%- endmacro %}

{#-
    Keys that can be many (users, events) are matched by a semi-join. Dates are few (one per day): matched against an
    array, so that a date index is used; as a semi-join the planner scanned the whole history (0.76 s instead of 0.17 s
    for fct_user_active_days at 180 days).
-#}
{% macro recomputed_key_filter(key_expression, dates) -%}
    {%- if dates -%}
        {{ in_query(key_expression, 'select recomputed_keys.key from recomputed_keys') }}
    {%- else -%}
        {{ key_expression }} in (select recomputed_keys.key from recomputed_keys)
    {%- endif -%}
{%- endmacro %}

{#- Pre-hook of a model keyed by business date: recompute the changed dates. -#}
{% macro recompute_dates_start(date_column) -%}
    {{ recompute_start(
        date_column, 'select event_date as key from (' ~ changed_event_dates() ~ ') as changed', dates=true
    ) }}
{%- endmacro %}

{#- In the model's SQL: the filter that keeps the keys being recomputed (true on a full build). -#}
{% macro is_recomputed(key_expression) -%}
    {%- if is_incremental() -%}{{ recomputed_key_filter(key_expression, dates=false) }}{%- else -%}true{%- endif -%}
{%- endmacro %}

{% macro is_recomputed_date(date_expression) -%}
    {%- if is_incremental() -%}{{ recomputed_key_filter(date_expression, dates=true) }}{%- else -%}true{%- endif -%}
{%- endmacro %}

{#-
    The event_ids fct_money_events rebuilds: clean events from files newer than its watermark (whatever their name: a
    winner that is no money event any more loses its row), money events on or after the date of a rate in a newer fx
    file, and a backfill's range.
-#}
{% macro changed_money_events() -%}
    {%- set backfill = backfill_range() -%}
    {%- set watermark = file_id_watermark() -%}
    select new_events.event_id as key
    from {{ ref('fct_events') }} as new_events
    where {{ unread_file('new_events.file_id', watermark) }}
    union
    select repriced.event_id
    from {{ ref('fct_events') }} as repriced
    where
        repriced.event_name in ('purchase', 'refund')
        and repriced.event_date >= (
            select min(rates.rate_date)
            from {{ ref('stg_raw__fx_rates') }} as rates
            where {{ unread_file('rates.file_id', watermark) }}
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

{#- The earliest date a file newer than the KPI table's watermark can change (events, spend, an fx rate). -#}
{% macro earliest_changed_date() -%}
    {%- set watermark = saved_watermark() -%}
    (
        select min(changed.event_date) from (
            {{ changed_event_dates(watermark) }}
            union
            {{ unread_dates('stg_raw__marketing_spend', 'spend_date', watermark) }}
            union
            {{ unread_dates('stg_raw__fx_rates', 'rate_date', watermark) }}
        ) as changed
    )
{%- endmacro %}

{#-
    Pre-hook of a KPI table keyed by `date_column` whose rows depend on the days before (trailing windows, running
    totals): every date from the earliest one a newer file can change (events, spend, an fx rate repricing money from
    its date on) to the newest event date is recomputed. A table of periods (`periods`: date_trunc units, keyed by
    their first day) recomputes from the start of the period holding that date; `also_from` is a further first date
    (an SQL expression; the earliest wins); `days_before` moves the earliest changed date back (rows that read the
    days after theirs); `until` a further last date (the newest event date is the default one).
-#}
{% macro recompute_dates_from_start(date_column, periods=[], also_from=none, until=none, days_before=0) -%}
    {%- if is_incremental() -%}
        {%- set earliest = '(' ~ earliest_changed_date() ~ ' - ' ~ days_before ~ ')' -%}
        {%- set starts = [earliest] -%}
        {%- for period in periods -%}
            {%- do starts.append("date_trunc('" ~ period ~ "', " ~ earliest ~ ")::date") -%}
        {%- endfor -%}
        {%- if also_from is not none -%}{%- do starts.append(also_from) -%}{%- endif -%}
        {%- set ends = ["(select max(latest.event_date) from " ~ ref('fct_events') ~ " as latest)"] -%}
        {%- if until is not none -%}{%- do ends.append(until) -%}{%- endif -%}
        {{ create_watermarks() }};
        {{ recompute_start(date_column, (
            "select recomputed.key::date as key from "
            ~ date_series("least(" ~ starts | join(', ') ~ ")", "greatest(" ~ ends | join(', ') ~ ")")
            ~ " as recomputed (key)"
        ), dates=true) }}
    {%- endif -%}
{%- endmacro %}

{#- In a model recomputed by `recompute_dates_from_start`: the first date recomputed (null on a full build). -#}
{% macro recomputed_from() -%}
    {%- if is_incremental() -%}
        (select min(recomputed_keys.key) from recomputed_keys)
    {%- else -%}
        null::date
    {%- endif -%}
{%- endmacro %}

{#- The model's `column` on the day before the first recomputed date (kept by the run; null on a full build). -#}
{% macro kept_before_recomputed(column, date_column) -%}
    {%- if is_incremental() -%}
        (
            select previous.{{ column }}
            from {{ this }} as previous
            where previous.{{ date_column }} = {{ recomputed_from() }} - 1
        )
    {%- else -%}
        null
    {%- endif -%}
{%- endmacro %}
