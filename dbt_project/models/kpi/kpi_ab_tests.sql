-- one row per (experiment_id, variant)

with events as (
    select * from {{ ref('fct_events') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

-- a user's variant is the one of their first exposure to the experiment (exposures without a variant assign none)
first_exposures as (
    select distinct on (experiment_id, user_id)
        experiment_id,
        user_id,
        variant,
        event_at as exposed_at
    from events
    where
        event_name = 'experiment_exposure'
        and user_id is not null
        and experiment_id is not null
        and variant is not null
    order by experiment_id, user_id, event_at, event_id
),

converted as (
    select distinct
        first_exposures.experiment_id,
        first_exposures.user_id
    from first_exposures
    inner join orders
        on
            first_exposures.user_id = orders.user_id
            and first_exposures.exposed_at <= orders.ordered_at
            and first_exposures.exposed_at + interval '7 days' > orders.ordered_at
),

variants as (
    select
        first_exposures.experiment_id,
        first_exposures.variant,
        count(*) as exposed_users,
        count(converted.user_id) as converted_users
    from first_exposures
    left join converted
        on first_exposures.experiment_id = converted.experiment_id and first_exposures.user_id = converted.user_id
    group by first_exposures.experiment_id, first_exposures.variant
),

compared as (
    select
        variants.experiment_id,
        variants.variant,
        variants.exposed_users,
        variants.converted_users,
        {{ safe_divide('variants.converted_users', 'variants.exposed_users') }} as conversion_rate,
        {{ safe_divide('control.converted_users', 'control.exposed_users') }} as control_conversion_rate,
        {{ safe_divide('variants.converted_users + control.converted_users',
                       'variants.exposed_users + control.exposed_users') }} as pooled_rate,
        variants.exposed_users as n_variant,
        control.exposed_users as n_control
    from variants
    left join variants as control
        on
            variants.experiment_id = control.experiment_id
            and control.variant = 'control'
            and variants.variant != 'control'
),

tested as (
    select
        *,
        -- two-proportion z-test with the pooled rate; undefined when the pooled variance is 0
        case
            when pooled_rate * (1 - pooled_rate) > 0
                then ((conversion_rate - control_conversion_rate) / sqrt(
                    pooled_rate * (1 - pooled_rate) * (1.0 / n_variant + 1.0 / n_control)
                ))::double precision
        end as z_score
    from compared
),

final as (
    select
        -- keys
        experiment_id,
        variant,

        -- measures
        exposed_users::bigint as exposed_users,
        converted_users::bigint as converted_users,
        conversion_rate,
        {{ safe_divide('conversion_rate', 'control_conversion_rate') }} - 1 as lift,
        z_score,
        {{ erfc('abs(z_score) / sqrt(2)') }} as p_value
    from tested
)

select * from final
