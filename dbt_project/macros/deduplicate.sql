{#-
    The winning row per key of `relation` (a CTE or relation name), as a select usable in a CTE.
    Delivery order is (delivery_date, file_id, line_number): `first` keeps the first delivered copy, `latest` the latest.
    `order_by` replaces the delivery order when the rule is another one (e.g. earliest event time).
-#}
{% macro deduplicate(relation, partition_by, keep='latest', order_by=none) -%}
    {%- set direction = {'first': 'asc', 'latest': 'desc'}[keep] -%}
    {%- set ordering = order_by or (
        'delivery_date ' ~ direction ~ ', file_id ' ~ direction ~ ', line_number ' ~ direction
    ) -%}
    {{ return(adapter.dispatch('deduplicate_rows')(relation, partition_by, ordering)) }}
{%- endmacro %}

{% macro default__deduplicate_rows(relation, partition_by, ordering) -%}
    select distinct on ({{ partition_by | join(', ') }}) *
    from {{ relation }}
    order by {{ partition_by | join(', ') }}, {{ ordering }}
{%- endmacro %}

{#- Spark has no DISTINCT ON: the first row by a window, NULLs placed as PostgreSQL places them. -#}
{% macro spark__deduplicate_rows(relation, partition_by, ordering) -%}
    select * except (deduplicate_rank)
    from (
        select
            *,
            row_number() over (
                partition by {{ partition_by | join(', ') }} order by {{ nulls_as_postgres(ordering) }}
            ) as deduplicate_rank
        from {{ relation }}
    ) as ranked
    where deduplicate_rank = 1
{%- endmacro %}

{#- The sort key that puts the first delivered copy first (used by window functions). -#}
{% macro delivery_order(keep='first') -%}
    {%- set direction = {'first': 'asc', 'latest': 'desc'}[keep] -%}
    delivery_date {{ direction }}, file_id {{ direction }}, line_number {{ direction }}
{%- endmacro %}
