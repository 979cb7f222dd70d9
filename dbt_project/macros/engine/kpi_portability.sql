{#-
    SQL that differs between PostgreSQL and Spark, as used by the kpi layer. Each PostgreSQL rendering is the SQL the
    models had before they ran on Spark; the Spark one gives the same values (README: Spark, numbers and NULLs).
-#}

{#- numerator / denominator of numbers that divide without a zero: numeric on PostgreSQL, double on Spark (whose
    decimal division keeps 6 places only). -#}
{% macro quotient(numerator, denominator) -%}
    {{ return(adapter.dispatch('quotient')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__quotient(numerator, denominator) -%}
    {{ numerator }} / {{ denominator }}
{%- endmacro %}

{% macro spark__quotient(numerator, denominator) -%}
    cast({{ numerator }} as double) / cast({{ denominator }} as double)
{%- endmacro %}

{#- A numeric aggregate with the trailing zeros of its scale dropped (PostgreSQL); Spark's avg is a double. -#}
{% macro trimmed(value) -%}
    {{ return(adapter.dispatch('trimmed')(value)) }}
{%- endmacro %}

{% macro default__trimmed(value) -%}
    trim_scale({{ value }})
{%- endmacro %}

{% macro spark__trimmed(value) -%}
    {{ value }}
{%- endmacro %}

{#- `value` rounded to `places` decimals with the trailing zeros dropped, computed in numeric (PostgreSQL) or double
    (Spark). -#}
{% macro rounded_ratio(value, places) -%}
    {{ return(adapter.dispatch('rounded_ratio')(value, places)) }}
{%- endmacro %}

{% macro default__rounded_ratio(value, places) -%}
    trim_scale(round(({{ value }})::numeric, {{ places }}))
{%- endmacro %}

{% macro spark__rounded_ratio(value, places) -%}
    round(cast({{ value }} as double), {{ places }})
{%- endmacro %}

{#- An interval literal of `count` `unit`s (day, week, month): one type for days and months on Spark too. -#}
{% macro interval_of(count, unit) -%}
    {{ return(adapter.dispatch('interval_of')(count, unit)) }}
{%- endmacro %}

{% macro default__interval_of(count, unit) -%}
    interval '{{ count }} {{ unit }}{{ "s" if count != 1 else "" }}'
{%- endmacro %}

{% macro spark__interval_of(count, unit) -%}
    cast('{{ count }} {{ unit }}' as interval)
{%- endmacro %}

{#- The interval named by a text expression such as '1 week'. -#}
{% macro interval_from_text(text) -%}
    {{ return(adapter.dispatch('interval_from_text')(text)) }}
{%- endmacro %}

{% macro default__interval_from_text(text) -%}
    ({{ text }})::interval
{%- endmacro %}

{% macro spark__interval_from_text(text) -%}
    cast({{ text }} as interval)
{%- endmacro %}

{#- Join clause: one row per value of start, start + step, ... up to stop (numbers, or timestamps/dates with an
    interval step), as `alias`.`column`; the bounds may reference the tables joined before. -#}
{% macro series_join(start, stop, step, alias, column) -%}
    {{ return(adapter.dispatch('series_join')(start, stop, step, alias, column)) }}
{%- endmacro %}

{% macro default__series_join(start, stop, step, alias, column) -%}
    cross join
        lateral generate_series({{ start }}, {{ stop }}, {{ step }}) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro spark__series_join(start, stop, step, alias, column) -%}
    cross join
        lateral explode(sequence({{ start }}, {{ stop }}, {{ step }})) as {{ alias }} ({{ column }})
{%- endmacro %}

{#- Join clause: one row per element of the array `array`, as `alias`.`column`. -#}
{% macro unnest_join(array, alias, column) -%}
    {{ return(adapter.dispatch('unnest_join')(array, alias, column)) }}
{%- endmacro %}

{% macro default__unnest_join(array, alias, column) -%}
    cross join unnest({{ array }}) as {{ alias }} ({{ column }})
{%- endmacro %}

{% macro spark__unnest_join(array, alias, column) -%}
    cross join lateral explode({{ array }}) as {{ alias }} ({{ column }})
{%- endmacro %}

{#- Join clause: the rows `rows` (lists of SQL expressions, which may reference the tables joined before) for each
    row joined so far, as `alias` with `columns` (Spark's VALUES take constants only). -#}
{% macro lateral_rows(rows, alias, columns) -%}
    {{ return(adapter.dispatch('lateral_rows')(rows, alias, columns)) }}
{%- endmacro %}

{% macro default__lateral_rows(rows, alias, columns) -%}
    cross join
        lateral (
            values
            {%- for row in rows %}
            ({{ row | join(', ') }}){{ "," if not loop.last }}
            {%- endfor %}
        ) as {{ alias }} ({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__lateral_rows(rows, alias, columns) -%}
    cross join
        lateral (
            {%- for row in rows %}
            {%- if not loop.first %}
            union all
            {%- endif %}
            select
                {%- for value in row %}
                {{ value }} as {{ columns[loop.index0] }}{{ "," if not loop.last }}
                {%- endfor %}
            {%- endfor %}
        ) as {{ alias }}
{%- endmacro %}
