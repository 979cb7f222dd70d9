-- one row per (experiment_id, variant)

with events as (
    select * from {{ ref('fct_events') }}
),

orders as (
    select * from {{ ref('fct_orders') }}
),

-- a user's variant is the one of their first exposure to the experiment (exposures without a variant assign none)
first_exposures as (
    select
        experiment_id,
        user_id,
        variant,
        exposed_at
    from (
        select
            experiment_id,
            user_id,
            variant,
            event_at as exposed_at,
            row_number() over (
                partition by experiment_id, user_id order by event_at asc nulls last, event_id asc nulls last
            ) as exposure_rank
        from events
        where
            event_name = 'experiment_exposure'
            and user_id is not null
            and experiment_id is not null
            and variant is not null
    ) as exposures
    where exposure_rank = 1
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
            and first_exposures.exposed_at + {{ interval_of(7, 'day') }} > orders.ordered_at
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
                then {{ z_score(
                    'conversion_rate - control_conversion_rate',
                    'pooled_rate * (1 - pooled_rate) * (1.0 / n_variant + 1.0 / n_control)',
                ) }}
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
        {{ contract_cast('conversion_rate', 'ratio') }} as conversion_rate,
        {{ contract_cast(safe_divide('conversion_rate', 'control_conversion_rate') ~ ' - 1', 'ratio') }} as lift,
        z_score,
        {{ erfc('abs(z_score) / sqrt(2)') }} as p_value
    from tested
)

select * from final
