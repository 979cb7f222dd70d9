{#- An alias as it is matched: lower case, surrounding (ASCII or ideographic) spaces removed. -#}
{% macro normalize_alias(expression) -%}
    lower({{ trim_whitespace(expression) }})
{%- endmacro %}

{#-
    The canonical value of an alias through a seed users edit (columns `alias` and `target_column`).
    A null or blank value becomes `blank_value`; a value not in the seed becomes 'unmapped'.
    PostgreSQL reads the seed once per query as a json object {normalized alias: canonical} (an uncorrelated
    subquery), so mapping costs one lookup per row.
-#}
{% macro map_alias(expression, seed_name, target_column, blank_value='unmapped') -%}
    (
        case
            when nullif({{ normalize_alias(expression) }}, '') is null
                then {{ "null" if blank_value is none else "'" ~ blank_value ~ "'" }}
            else coalesce({{ alias_lookup(expression, seed_name, target_column) }}, 'unmapped')
        end
    )
{%- endmacro %}

{#- The seed's `target_column` for the alias `expression` (normalized), null when the seed does not list it. -#}
{% macro alias_lookup(expression, seed_name, target_column) -%}
    {{ return(adapter.dispatch('alias_lookup')(expression, seed_name, target_column)) }}
{%- endmacro %}

{% macro default__alias_lookup(expression, seed_name, target_column) -%}
    (
        select jsonb_object_agg({{ normalize_alias('aliases.alias') }}, aliases.{{ target_column }})
        from {{ ref(seed_name) }} as aliases
    ) ->> {{ normalize_alias(expression) }}
{%- endmacro %}

{#- Spark: a correlated lookup (a join to the seed); tests/assert_alias_seeds_unambiguous keeps it to one value. -#}
{% macro spark__alias_lookup(expression, seed_name, target_column) -%}
    (
        select max(aliases.{{ target_column }})
        from {{ ref(seed_name) }} as aliases
        where {{ normalize_alias('aliases.alias') }} = {{ normalize_alias(expression) }}
    )
{%- endmacro %}
