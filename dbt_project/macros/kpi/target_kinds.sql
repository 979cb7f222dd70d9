{#-
    The KPIs a target of config/targets.yml may name: each kpi column whose meta gives `target: {name: ...}`, measured
    over a period as sum(numerator) / sum(denominator) of its model's rows dated in it. numerator: an expression of the
    model's columns (default the column); denominator: none for a sum, 1 for a mean of days; date_column (default
    date); where (rows measured); by: channel for the kind measured per channel. metrics_warehouse.targets reads the
    same meta, so the mart, its tests and the targets file know one vocabulary.
-#}
{% macro target_kinds() -%}
    {%- set kinds = [] -%}
    {%- if execute -%}
        {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.config.schema == 'kpi' -%}
            {%- for column in node.columns.values() if (column.meta or {}).get('target') -%}
                {%- set kind = column.meta.target -%}
                {%- do kinds.append({
                    'name': kind.name, 'model': node.name, 'by': kind.get('by'),
                    'date_column': kind.get('date_column', 'date'), 'numerator': kind.get('numerator', column.name),
                    'denominator': kind.get('denominator'), 'where': kind.get('where'),
                }) -%}
            {%- endfor -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(kinds | sort(attribute='name')) }}
{%- endmacro %}

{#- (date, kpi, channel, numerator, denominator, is_sum) of every target kind; no rows before dbt executes (and for sqlfluff,
    which has no graph) -#}
{% macro target_measures() -%}
    {%- for kind in (target_kinds() if graph is defined else []) %}
        {%- if not loop.first %}
    union all
        {%- endif %}
    select
        {{ kind.date_column }} as date,
        '{{ kind.name }}' as kpi,
        {{ kind.by if kind.by else 'null' }}::{{ sql_type('text') }} as channel,
        ({{ kind.numerator }})::{{ sql_type('ratio') }} as numerator,
        {{ '(' ~ kind.denominator ~ ')' if kind.denominator is not none else 'null' }}::{{ sql_type('ratio') }}
            as denominator,
        {{ 'false' if kind.denominator is not none else 'true' }} as is_sum
    from {{ ref(kind.model) }}
        {%- if kind.where %}
    where {{ kind.where }}
        {%- endif %}
    {%- else %}
    select
        null::date as date,
        null::{{ sql_type('text') }} as kpi,
        null::{{ sql_type('text') }} as channel,
        null::{{ sql_type('ratio') }} as numerator,
        null::{{ sql_type('ratio') }} as denominator,
        null::boolean as is_sum
    where false
    {%- endfor %}
{%- endmacro %}

{#- (kpi, is_sum) of every target kind, whether or not it has rows yet -#}
{% macro target_kind_rows() -%}
    {%- for kind in (target_kinds() if graph is defined else []) if not kind.by %}
        {%- if not loop.first %}
    union all
        {%- endif %}
    select
        '{{ kind.name }}' as kpi,
        {{ 'false' if kind.denominator is not none else 'true' }} as is_sum
    {%- else %}
    select
        null::{{ sql_type('text') }} as kpi,
        null::boolean as is_sum
    where false
    {%- endfor %}
{%- endmacro %}

{#- the names of the target kinds, for the accepted_values test of kpi_targets.kpi -#}
{% macro target_kind_names() -%}
    {{ return(target_kinds() | map(attribute='name') | unique | list) }}
{%- endmacro %}
