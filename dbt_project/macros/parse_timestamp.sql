{#-
    A raw event/CSV time text as timestamptz (README: Value rules, one definition in ops.parse_timestamp, shared with
    ingestion and the gates; Spark: macros/engine/values.sql): integer epoch milliseconds, or ISO-8601 with an offset
    or `Z`, or a naive ISO value (date-only included) read in `source_tz` (default var('source_tz')). Null for
    anything ingestion would quarantine.
-#}
{% macro parse_timestamp(expression, source_tz=none) -%}
    {{ return(adapter.dispatch('parse_timestamp')(expression, source_tz or var('source_tz'))) }}
{%- endmacro %}

{% macro default__parse_timestamp(expression, source_tz) -%}
    ops.parse_timestamp({{ expression }}, '{{ source_tz }}')
{%- endmacro %}

{#- A raw date text (YYYY-MM-DD) as date; null for anything ingestion would quarantine. -#}
{% macro parse_date(expression) -%}
    {{ return(adapter.dispatch('parse_date')(expression)) }}
{%- endmacro %}

{% macro default__parse_date(expression) -%}
    ops.parse_date({{ expression }})
{%- endmacro %}
