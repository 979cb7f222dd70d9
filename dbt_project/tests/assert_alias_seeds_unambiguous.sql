-- Fails when an alias seed lists the same alias (ignoring case and surrounding spaces) for two canonical values.
{% set seeds = {
    'channel_aliases': 'channel',
    'feedback_category_aliases': 'category',
    'feedback_channel_aliases': 'channel',
    'platform_aliases': 'platform',
} %}

with

aliases as (
    {% for seed, target_column in seeds.items() %}
    select
        '{{ seed }}' as seed_name,
        {{ normalize_alias('alias') }} as alias_key,
        {{ normalize_alias(target_column) }} as canonical
    from {{ ref(seed) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        seed_name,
        alias_key,
        count(distinct canonical) as canonical_values
    from aliases
    group by seed_name, alias_key
    having count(distinct canonical) > 1
)

select * from final
