-- one row per KPI target of config/targets.yml
with

targets as (
    select * from {{ source('ops', 'targets') }}
),

final as (
    select
        name as target_name,
        kpi,
        channel,
        period as period_type,
        target,
        direction,
        owner
    from targets
)

select * from final
