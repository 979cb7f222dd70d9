{#-
    The rate converting one unit of `currency` into var('reporting_currency') on `business_date`: the latest resolved
    rate dated on or before that date (Friday's rate serves the weekend). The reporting currency converts at 1;
    a currency with no rate on or before that date, or none, gives null (marts.fct_unconverted_money counts it).
    Pass qualified column references (`orders.currency`): the lookup is a correlated subquery over a relation that
    has its own `currency` column.
-#}
{% macro fx_rate(currency, business_date) -%}
    (
        case
            when upper(btrim({{ currency }})) = '{{ var("reporting_currency") }}' then {{ exact_one() }}
            else (
                {{ adapter.dispatch('latest_rate')(
                    ref('int_fx_rates_resolved'),
                    'rates.currency = upper(btrim(' ~ currency ~ ')) and rates.rate_date <= ' ~ business_date,
                ) }}
            )
        end
    )
{%- endmacro %}

{#-
    The query of the rate of the latest date among `rates` (as `rates`) where `condition` holds (one rate a date). Spark
    reads it as an aggregate: its correlated subqueries take no ORDER BY ... LIMIT (it returned another row's rate).
-#}
{% macro default__latest_rate(rates, condition) -%}
    select rates.rate
    from {{ rates }} as rates
    where {{ condition }}
    order by rates.rate_date desc
    limit 1
{%- endmacro %}

{% macro spark__latest_rate(rates, condition) -%}
    select max_by(rates.rate, rates.rate_date)
    from {{ rates }} as rates
    where {{ condition }}
{%- endmacro %}
