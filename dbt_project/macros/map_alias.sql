{#- An alias as it is matched: lower case, surrounding (ASCII or ideographic) spaces removed. -#}
{% macro normalize_alias(expression) -%}
    lower(btrim({{ expression }}, E' \t\r\n\u3000'))
{%- endmacro %}

{#-
    The canonical value of an alias through a seed users edit (columns `alias` and `target_column`).
    A null or blank value becomes `blank_value`; a value not in the seed becomes 'unmapped'.
    Pass a qualified expression (`spend.channel`): the lookup is a correlated subquery over the seed's columns.
-#}
{% macro map_alias(expression, seed_name, target_column, blank_value='unmapped') -%}
    (
        case
            when nullif({{ normalize_alias(expression) }}, '') is null
                then {{ "null" if blank_value is none else "'" ~ blank_value ~ "'" }}
            else coalesce(
                (
                    select min(aliases.{{ target_column }})
                    from {{ ref(seed_name) }} as aliases
                    where {{ normalize_alias('aliases.alias') }} = {{ normalize_alias(expression) }}
                ),
                'unmapped'
            )
        end
    )
{%- endmacro %}
