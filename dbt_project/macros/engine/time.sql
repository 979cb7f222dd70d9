{#- The business date of a timestamptz: its calendar date in var('reporting_tz'). -#}
{% macro business_date(expression) -%}
    {{ return(adapter.dispatch('business_date')(expression)) }}
{%- endmacro %}

{% macro default__business_date(expression) -%}
    (({{ expression }}) at time zone '{{ var("reporting_tz") }}')::date
{%- endmacro %}

{% macro spark__business_date(expression) -%}
    to_date(from_utc_timestamp({{ expression }}, '{{ var("reporting_tz") }}'))
{%- endmacro %}

{#- Seconds from timestamp `start` to timestamp `end` (fractional; negative when end is earlier). -#}
{% macro seconds_between(start, end) -%}
    {{ return(adapter.dispatch('seconds_between')(start, end)) }}
{%- endmacro %}

{% macro default__seconds_between(start, end) -%}
    extract(epoch from {{ end }} - {{ start }})
{%- endmacro %}

{% macro spark__seconds_between(start, end) -%}
    ((unix_micros({{ end }}) - unix_micros({{ start }})) / 1000000.0d)
{%- endmacro %}

{#- Whole days from date `start` to date `end` (an integer; PostgreSQL's date − date). -#}
{% macro days_between(start, end) -%}
    {{ return(adapter.dispatch('days_between')(start, end)) }}
{%- endmacro %}

{% macro default__days_between(start, end) -%}
    {{ end }} - {{ start }}
{%- endmacro %}

{% macro spark__days_between(start, end) -%}
    datediff({{ end }}, {{ start }})
{%- endmacro %}

{#- ISO day of the week of a date: 1 = Monday … 7 = Sunday. -#}
{% macro iso_day_of_week(expression) -%}
    {{ return(adapter.dispatch('iso_day_of_week')(expression)) }}
{%- endmacro %}

{% macro default__iso_day_of_week(expression) -%}
    extract(isodow from {{ expression }})::integer
{%- endmacro %}

{% macro spark__iso_day_of_week(expression) -%}
    (weekday({{ expression }}) + 1)
{%- endmacro %}

{#-
    A table function (for a FROM clause, `lateral` where it reads a column) of one row per day from `start` to `end`
    (dates), both included; none when either is null or start is after end. Cast its column `::date` where a date is
    needed (PostgreSQL's series is of timestamps).
-#}
{% macro date_series(start, end) -%}
    {{ return(adapter.dispatch('date_series')(start, end)) }}
{%- endmacro %}

{% macro default__date_series(start, end) -%}
    generate_series({{ start }}, {{ end }}, interval '1 day')
{%- endmacro %}

{% macro spark__date_series(start, end) -%}
    explode(
        case when {{ start }} <= {{ end }} then sequence({{ start }}, {{ end }}, interval 1 day) end
    )
{%- endmacro %}
