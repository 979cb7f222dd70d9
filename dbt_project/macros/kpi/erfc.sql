{#-
    Complementary error function (PostgreSQL 15 has none), double precision.
    Chebyshev expansion of Numerical Recipes 3rd ed. (Erf::erfccheb, relative error ~1e-16):
    erfc(z) = t * exp(-z^2 + c0 / 2 + sum_{j>=1} c_j * T_j(x)), t = 2 / (2 + z), x = 2t - 1, for z >= 0;
    erfc(-z) = 2 - erfc(z). T_j(x) = cos(j * acos(x)) because |x| <= 1.
-#}
{% macro erfc_coefficients() -%}
    {{ return([
        -1.3026537197817094, 6.4196979235649026e-1, 1.9476473204185836e-2, -9.561514786808631e-3,
        -9.46595344482036e-4, 3.66839497852761e-4, 4.2523324806907e-5, -2.0278578112534e-5,
        -1.624290004647e-6, 1.303655835580e-6, 1.5626441722e-8, -8.5238095915e-8,
        6.529054439e-9, 5.059343495e-9, -9.91364156e-10, -2.27365122e-10,
        9.6467911e-11, 2.394038e-12, -6.886027e-12, 8.94487e-13,
        3.13092e-13, -1.12708e-13, 3.81e-16, 7.106e-15,
        -1.523e-15, -9.4e-17, 1.21e-16, -2.8e-17,
    ]) }}
{%- endmacro %}

{% macro erfc(value) -%}
    {{ return(adapter.dispatch('erfc')(value)) }}
{%- endmacro %}

{#- PostgreSQL: the intermediate values as columns of nested subqueries, evaluated once. -#}
{% macro default__erfc(value) -%}
    {%- set coefficients = erfc_coefficients() -%}
    (
        select
            case
                when erfc_input.v >= 0 then erfc_input.tail
                else 2 - erfc_input.tail
            end
        from (
            select
                chebyshev.v,
                chebyshev.t * exp(
                    -chebyshev.z * chebyshev.z + {{ coefficients[0] / 2 }}
                    {%- for c in coefficients[1:] %}
                    + ({{ c }}) * cos({{ loop.index }} * chebyshev.theta)
                    {%- endfor %}
                ) as tail
            from (
                select
                    cheb_t.v,
                    cheb_t.z,
                    cheb_t.t,
                    acos(2 * cheb_t.t - 1) as theta
                from (
                    select
                        raw_input.v,
                        abs(raw_input.v) as z,
                        2 / (2 + abs(raw_input.v)) as t
                    from (select ({{ value }})::{{ sql_type('double') }} as v) as raw_input
                ) as cheb_t
            ) as chebyshev
        ) as erfc_input
    )
{%- endmacro %}

{#- Spark: one expression (its scalar subqueries cannot read the outer row here); the tail once, signed. -#}
{% macro spark__erfc(value) -%}
    {%- set coefficients = erfc_coefficients() -%}
    {%- set v = 'cast(' ~ value ~ ' as double)' -%}
    {%- set t = '(2 / (2 + abs(' ~ v ~ ')))' -%}
    {%- set theta = 'acos(2 * ' ~ t ~ ' - 1)' %}
    (
        case when {{ v }} >= 0 then 0 else 2 end
        + case when {{ v }} >= 0 then 1 else -1 end
        * {{ t }} * exp(
            -{{ v }} * {{ v }} + {{ coefficients[0] / 2 }}
            {%- for c in coefficients[1:] %}
            + ({{ c }}) * cos({{ loop.index }} * {{ theta }})
            {%- endfor %}
        )
    )
{%- endmacro %}
