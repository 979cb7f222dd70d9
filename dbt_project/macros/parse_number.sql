{#-
    A number from text such as `¥12,345.60`, `$ 1,200`, ` 42 `: currency symbols, thousands separators and spaces
    are dropped. Empty text and `N/A` (anything without a digit) are null.
-#}
{% macro parse_number(expression) -%}
    (
        case
            when {{ expression }} ~ '[0-9]'
                then regexp_replace({{ expression }}, '[^0-9.-]', '', 'g')::numeric
        end
    )
{%- endmacro %}

{#- An integer from text (see parse_number); ingestion has rejected non-integer values where integers are required. -#}
{% macro parse_integer(expression, type='integer') -%}
    {{ parse_number(expression) }}::{{ type }}
{%- endmacro %}
