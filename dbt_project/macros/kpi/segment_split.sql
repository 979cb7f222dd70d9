{#- kpi_segments_daily: one row per dimension of a row, as split (dimension, segment). `dimensions` lists the
    dimensions, each the row's column of that name, or maps a dimension to its column ({'feedback_channel': 'channel'}). -#}
{% macro segment_split(alias, dimensions) -%}
    cross join
        lateral (
            values
            {%- for dimension in dimensions %}
            ('{{ dimension }}', {{ alias }}.{{ dimensions[dimension] if dimensions is mapping else dimension }})
            {{- "," if not loop.last }}
            {%- endfor %}
        ) as split (dimension, segment)
{%- endmacro %}
