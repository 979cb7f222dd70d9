{#- kpi_ab_tests: the two-proportion z statistic difference / sqrt(variance), double precision. PostgreSQL computes
    it in numeric. Spark computes in double, as sign x sqrt(difference^2 / variance): one rounding in the square root,
    so it gives what numeric rounded to double gives (sqrt(2) = 1.4142135623730951, where 0.5 / sqrt(0.125) is
    1.414213562373095). -#}
{% macro z_score(difference, variance) -%}
    {{ return(adapter.dispatch('z_score')(difference, variance)) }}
{%- endmacro %}

{% macro default__z_score(difference, variance) -%}
    (({{ difference }}) / sqrt({{ variance }}))::double precision
{%- endmacro %}

{% macro spark__z_score(difference, variance) -%}
    signum({{ difference }}) * sqrt(cast(({{ difference }}) * ({{ difference }}) as double) / ({{ variance }}))
{%- endmacro %}
