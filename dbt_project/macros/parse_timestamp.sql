{#-
    A raw event/CSV time text as timestamptz: integer epoch milliseconds, ISO-8601 (extended or basic) with an offset
    or `Z` after its time, or a naive ISO value (date-only included) read in `source_tz` (default var('source_tz')).
-#}
{% macro parse_timestamp(expression, source_tz=none) -%}
    {%- set tz = source_tz or var('source_tz') -%}
    (
        case
            when nullif(btrim({{ expression }}), '') is null then null
            when btrim({{ expression }}) ~ '^-?[0-9]+$'
                then timestamptz 'epoch' + btrim({{ expression }})::bigint * interval '1 millisecond'
            when btrim({{ expression }}) ~* '[t ][0-9:.,]+ ?(z|[+-][0-9]{2}(:?[0-9]{2}){0,2})$'
                then btrim({{ expression }})::timestamptz
            else btrim({{ expression }})::timestamp at time zone '{{ tz }}'
        end
    )
{%- endmacro %}

{#- The business date of a timestamptz: its calendar date in var('reporting_tz'). -#}
{% macro business_date(expression) -%}
    (({{ expression }}) at time zone '{{ var("reporting_tz") }}')::date
{%- endmacro %}
