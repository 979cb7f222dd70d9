{#-
    A number from text such as `¥12,345.60`, `$ 1,200`, ` 42 `, `1.2e3`, `１２３` (README: Value rules, one definition
    in ops.parse_number, shared with ingestion and the gates; Spark: macros/engine/values.sql). Empty text, `N/A` and
    anything ingestion would have quarantined are null, never an error.
-#}
{% macro parse_number(expression) -%}
    {{ return(adapter.dispatch('parse_number')(expression)) }}
{%- endmacro %}

{% macro default__parse_number(expression) -%}
    ops.parse_number({{ expression }})
{%- endmacro %}

{#- A whole number from text (see parse_number) within the range of `type` (integer or bigint); null otherwise. -#}
{% macro parse_integer(expression, type='integer') -%}
    {%- set high = {'integer': 2147483647, 'bigint': 9223372036854775807}[type] -%}
    {{ return(adapter.dispatch('parse_integer')(expression, '-' ~ high ~ ' - 1', high, type)) }}
{%- endmacro %}

{% macro default__parse_integer(expression, low, high, type) -%}
    ops.parse_integer({{ expression }}, {{ low }}, {{ high }})::{{ type }}
{%- endmacro %}
