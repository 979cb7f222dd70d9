-- one row per day: the MetricFlow time spine, from min_event_date to a year after as_of_date

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

final as (
    select spine_days.spine_day::date as date_day
    from as_of
    cross join lateral {{ date_series(
        "'" ~ var('min_event_date') ~ "'::date",
        "coalesce(as_of.as_of_date, '" ~ var('min_event_date') ~ "'::date) + 365"
    ) }} as spine_days (spine_day)
)

select * from final
