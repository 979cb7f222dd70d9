{#- KPI conventions (_kpi__overview.md): a channel is paid when dim_channels says so (is_paid, from the channels seed:
    every canonical channel but organic and unmapped); no channel is organic. The one home of the rule. -#}
{% macro is_paid_channel(channel) -%}
    coalesce({{ channel }} in (select paid.channel from {{ ref('dim_channels') }} as paid where paid.is_paid), false)
{%- endmacro %}
