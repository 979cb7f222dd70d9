{#-
    Backfill support for the incremental facts: `dbt build --vars '{backfill_start: 2026-11-01, backfill_end: 2026-11-30}'`
    rebuilds exactly that range of business dates. Both vars or neither.
-#}
{% macro backfill_range() -%}
    {%- set start, end = var('backfill_start', none), var('backfill_end', none) -%}
    {%- if start is none and end is none -%}
        {{ return(none) }}
    {%- elif start is none or end is none -%}
        {{ exceptions.raise_compiler_error('backfill needs both backfill_start and backfill_end') }}
    {%- endif -%}
    {{ return(("'" ~ start ~ "'::date", "'" ~ end ~ "'::date")) }}
{%- endmacro %}

{#-
    Pre-hook: in a backfill, delete the range first so rows whose raw records are gone disappear too. Spark overwrites
    the date partitions a run emits instead (a Parquet table has no delete).
-#}
{% macro delete_backfill_range(date_column) -%}
    {{ return(adapter.dispatch('delete_backfill_range')(date_column)) }}
{%- endmacro %}

{% macro spark__delete_backfill_range(date_column) -%}
{%- endmacro %}

{% macro default__delete_backfill_range(date_column) -%}
    {%- set range = backfill_range() -%}
    {%- if range is not none and is_incremental() -%}
        delete from {{ this }} where {{ date_column }} between {{ range[0] }} and {{ range[1] }}
    {%- endif -%}
{%- endmacro %}
