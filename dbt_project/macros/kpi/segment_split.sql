{#- kpi_segments_daily: one row per dimension of a row, as split (dimension, segment). `dimensions` lists the
    dimensions, each the row's column of that name, or maps a dimension to its column ({'feedback_channel': 'channel'}). -#}
{% macro segment_split(alias, dimensions) -%}
    {%- set rows = [] -%}
    {%- for dimension in dimensions -%}
        {%- do rows.append([
            "'" ~ dimension ~ "'", alias ~ '.' ~ (dimensions[dimension] if dimensions is mapping else dimension)
        ]) -%}
    {%- endfor -%}
    {{ lateral_rows(rows, 'split', ['dimension', 'segment']) }}
{%- endmacro %}
