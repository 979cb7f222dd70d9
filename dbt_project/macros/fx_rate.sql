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
                select rates.rate
                from {{ ref('int_fx_rates_resolved') }} as rates
                where
                    rates.currency = upper(btrim({{ currency }}))
                    and rates.rate_date <= {{ business_date }}
                order by rates.rate_date desc
                limit 1
            )
        end
    )
{%- endmacro %}
