{#- KPI conventions (_kpi__overview.md): paid channels are all canonical channels but organic and unmapped. -#}
{% macro is_paid_channel(channel) -%}
    (coalesce({{ channel }}, 'organic') not in ('organic', 'unmapped'))
{%- endmacro %}
