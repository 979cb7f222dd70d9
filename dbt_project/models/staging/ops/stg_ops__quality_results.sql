-- one row per quality-check expectation per run
with

results as (
    select * from {{ source('ops', 'quality_results') }}
),

final as (
    select
        run_id,
        checked_at,
        suite,
        target,
        source,
        delivery_date,
        expectation,
        severity,
        success,
        observed_value,
        details
    from results
)

select * from final
