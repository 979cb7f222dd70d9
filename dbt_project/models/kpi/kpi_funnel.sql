-- one row per signup_date

with as_of as (
    select * from {{ ref('dim_reporting_window') }}
),

user_cohorts as (
    select * from {{ ref('dim_user_cohorts') }}
),

cohorts as (
    select
        signup_date,
        count(*) as signed_up,
        count(*) filter (where activated) as activated,
        count(*) filter (where orders_30d >= 1) as purchased,
        count(*) filter (where orders_30d >= 2) as repurchased
    from user_cohorts
    group by signup_date
),

matured as (
    select
        cohorts.signup_date,
        cohorts.signed_up,
        -- a step is NULL until its whole window (day_number 0..6, 0..29) has elapsed by as_of_date
        case when cohorts.signup_date + 6 <= as_of.as_of_date then cohorts.activated end as activated,
        case when cohorts.signup_date + 29 <= as_of.as_of_date then cohorts.purchased end as purchased,
        case when cohorts.signup_date + 29 <= as_of.as_of_date then cohorts.repurchased end as repurchased
    from cohorts
    cross join as_of
),

final as (
    select
        -- keys
        signup_date,

        -- steps
        signed_up::bigint as signed_up,
        activated::bigint as activated,
        purchased::bigint as purchased,
        repurchased::bigint as repurchased,

        -- rates
        {{ contract_cast(safe_divide('activated', 'signed_up'), 'ratio') }} as activation_rate,
        {{ contract_cast(safe_divide('purchased', 'signed_up'), 'ratio') }} as purchase_conversion_rate,
        {{ contract_cast(safe_divide('repurchased', 'purchased'), 'ratio') }} as repurchase_rate
    from matured
)

select * from final
