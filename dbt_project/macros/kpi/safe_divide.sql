{#-
    numerator / denominator; NULL when the denominator is 0 or NULL (KPI conventions: such ratios are NULL).
    PostgreSQL: numeric; trim_scale drops the trailing zeros of numeric division (0.5, not 0.50000000000000000000), the
    value is unchanged. Spark: double (its decimal division keeps 6 places); the model casts the column to its kind.
-#}
{% macro safe_divide(numerator, denominator) -%}
    {{ return(adapter.dispatch('safe_divide')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__safe_divide(numerator, denominator) -%}
    trim_scale(({{ numerator }})::numeric / nullif(({{ denominator }})::numeric, 0))
{%- endmacro %}

{% macro spark__safe_divide(numerator, denominator) -%}
    cast({{ numerator }} as double) / nullif(cast({{ denominator }} as double), 0)
{%- endmacro %}
