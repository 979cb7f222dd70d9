{#-
    A number from text such as `¥12,345.60`, `$ 1,200`, ` 42 `, `1.2e3`: currency symbols and codes, thousands
    separators and spaces are dropped. Empty text, `N/A` and anything else that leaves no number are null (never an
    error: optional JSON properties such as an event's amount are not validated by ingestion).
-#}
{% macro parse_number(expression) -%}
    {%- set cleaned = "regexp_replace(" ~ expression ~ ", '[^0-9.eE+-]', '', 'g')" -%}
    (
        case
            when {{ cleaned }} ~ '^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$'
                then {{ cleaned }}::numeric
        end
    )
{%- endmacro %}

{#- An integer from text (see parse_number); ingestion has rejected non-integer values where integers are required. -#}
{% macro parse_integer(expression, type='integer') -%}
    {{ parse_number(expression) }}::{{ type }}
{%- endmacro %}
