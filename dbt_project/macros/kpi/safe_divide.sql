{#-
    numerator / denominator as numeric; NULL when the denominator is 0 or NULL (KPI conventions: such ratios are NULL).
    trim_scale drops the trailing zeros of numeric division (0.5, not 0.50000000000000000000); the value is unchanged.
-#}
{% macro safe_divide(numerator, denominator) -%}
    trim_scale(({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0))
{%- endmacro %}
