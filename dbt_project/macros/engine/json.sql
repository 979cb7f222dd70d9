{#-
    The text of the JSON value at `keys` (a list of object keys) in `column`, null when absent or JSON null
    (PostgreSQL's `->` … `->>` on jsonb). Keys are plain names (letters, digits, `_`). On Spark the column is a string holding the JSON text; a JSON number comes
    back as Spark's rendering of it (12.50 as 12.5: the same number).
-#}
{% macro json_text(column, keys) -%}
    {{ return(adapter.dispatch('json_text')(column, keys)) }}
{%- endmacro %}

{% macro default__json_text(column, keys) -%}
    {{ column }}
    {%- for key in keys %} {{ '->>' if loop.last else '->' }} '{{ key }}'{% endfor %}
{%- endmacro %}

{% macro spark__json_text(column, keys) -%}
    get_json_object({{ column }}, '$
    {%- for key in keys -%}.{{ key }}{%- endfor -%}
    ')
{%- endmacro %}
