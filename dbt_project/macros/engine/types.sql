{#- The SQL type of a kind of column on the target's engine (one home: vars.sql_types in dbt_project.yml). -#}
{% macro sql_type(kind) -%}
    {{ var('sql_types')[target.type][kind] }}
{%- endmacro %}

{#- `expression` as the column type of `kind` (sql_type): PostgreSQL keeps it as written, Spark casts it. -#}
{% macro contract_cast(expression, kind) -%}
    {{ return(adapter.dispatch('contract_cast')(expression, kind)) }}
{%- endmacro %}

{% macro default__contract_cast(expression, kind) -%}
    {{ expression }}
{%- endmacro %}

{% macro spark__contract_cast(expression, kind) -%}
    cast({{ expression }} as {{ sql_type(kind) }})
{%- endmacro %}

{#-
    A ratio of two numbers: PostgreSQL divides its exact numerics; Spark divides in double precision and stores
    a ratio (decimal(38,18) × decimal(38,18) or ÷ would lose scale in Spark's decimal arithmetic).
-#}
{% macro ratio_divide(numerator, denominator) -%}
    {{ contract_cast(quotient(numerator, denominator), 'ratio') }}
{%- endmacro %}

{#- The number 1 as an exact decimal (a rate of the reporting currency to itself). -#}
{% macro exact_one() -%}
    {{ return(adapter.dispatch('exact_one')()) }}
{%- endmacro %}

{% macro default__exact_one() -%}
    1::numeric
{%- endmacro %}

{% macro spark__exact_one() -%}
    cast(1 as {{ sql_type('ratio') }})
{%- endmacro %}
