{#-
    `expression` is one of the values `query` selects. PostgreSQL: `= any(array(query))`, which an index answers
    (a plain `in (query)` became a semi-join that scanned history); Spark: `in (query)`.
-#}
{% macro in_query(expression, query) -%}
    {{ return(adapter.dispatch('in_query')(expression, query)) }}
{%- endmacro %}

{% macro default__in_query(expression, query) -%}
    {{ expression }} = any(array({{ query }}))
{%- endmacro %}

{% macro spark__in_query(expression, query) -%}
    {{ expression }} in ({{ query }})
{%- endmacro %}

{#- A CTE's materialization hint (`materialized` / `not materialized`), for PostgreSQL's planner; none on Spark. -#}
{% macro cte_hint(hint) -%}
    {{ return(adapter.dispatch('cte_hint')(hint)) }}
{%- endmacro %}

{% macro default__cte_hint(hint) -%}
    {{ hint }}
{%- endmacro %}

{% macro spark__cte_hint(hint) -%}
{%- endmacro %}

{#-
    An ORDER BY list (`a asc, b desc`) with PostgreSQL's NULL placement made explicit where the engine's default
    differs (Spark puts NULLs first on ascending order): ascending → nulls last, descending → nulls first.
-#}
{% macro nulls_as_postgres(ordering) -%}
    {{ return(adapter.dispatch('nulls_as_postgres')(ordering)) }}
{%- endmacro %}

{% macro default__nulls_as_postgres(ordering) -%}
    {{ ordering }}
{%- endmacro %}

{% macro spark__nulls_as_postgres(ordering) -%}
    {%- set terms = [] -%}
    {%- for term in ordering.split(',') -%}
        {%- set term = term.strip() -%}
        {%- if ' nulls ' in term.lower() -%}
            {%- do terms.append(term) -%}
        {%- elif term.lower().endswith(' desc') -%}
            {%- do terms.append(term ~ ' nulls first') -%}
        {%- else -%}
            {%- do terms.append(term ~ ' nulls last') -%}
        {%- endif -%}
    {%- endfor -%}
    {{ terms | join(', ') }}
{%- endmacro %}

{#-
    The sorted distinct non-null values of `expression` over the rows where `condition` holds, as an array of text
    (empty, not null, when there are none).
-#}
{% macro sorted_text_set(expression, condition) -%}
    {{ return(adapter.dispatch('sorted_text_set')(expression, condition)) }}
{%- endmacro %}

{% macro default__sorted_text_set(expression, condition) -%}
    coalesce(
        array_agg(distinct {{ expression }} order by {{ expression }}) filter (
            where {{ condition }} and {{ expression }} is not null
        ),
        '{}'::text[]
    )
{%- endmacro %}

{% macro spark__sorted_text_set(expression, condition) -%}
    array_sort(collect_set(case when {{ condition }} then {{ expression }} end))
{%- endmacro %}
