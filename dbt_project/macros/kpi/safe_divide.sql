{#- numerator / denominator as numeric; NULL when the denominator is 0 or NULL (KPI_DEFINITIONS.md: such ratios are NULL). -#}
{% macro safe_divide(numerator, denominator) -%}
    (({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0))
{%- endmacro %}
