{#- A paid channel is every canonical channel but organic and unmapped (a NULL channel counts as organic). -#}
{% macro is_paid_channel(channel) -%}
    (coalesce({{ channel }}, 'organic') not in ('organic', 'unmapped'))
{%- endmacro %}
