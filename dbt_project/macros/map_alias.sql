{#- An alias as it is matched: lower case, surrounding (ASCII or ideographic) spaces removed. -#}
{% macro normalize_alias(expression) -%}
    lower(btrim({{ expression }}, E' \t\r\n\u3000'))
{%- endmacro %}

{#-
    The canonical value of an alias through a seed users edit (columns `alias` and `target_column`).
    A null or blank value becomes `blank_value`; a value not in the seed becomes 'unmapped'.
    The seed is read once per query as a json object {normalized alias: canonical} (an uncorrelated subquery),
    so mapping costs one lookup per row.
-#}
{% macro map_alias(expression, seed_name, target_column, blank_value='unmapped') -%}
    (
        case
            when nullif({{ normalize_alias(expression) }}, '') is null
                then {{ "null" if blank_value is none else "'" ~ blank_value ~ "'" }}
            else coalesce(
                (
                    select jsonb_object_agg({{ normalize_alias('aliases.alias') }}, aliases.{{ target_column }})
                    from {{ ref(seed_name) }} as aliases
                ) ->> {{ normalize_alias(expression) }},
                'unmapped'
            )
        end
    )
{%- endmacro %}
