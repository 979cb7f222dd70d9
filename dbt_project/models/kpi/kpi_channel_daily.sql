-- one row per (date, channel) with at least one spend row (a zero row counts) or a signup

with users as (
    select * from {{ ref('dim_users') }}
),

spend as (
    select * from {{ ref('fct_marketing_spend_daily') }}
),

daily_spend as (
    select
        spend_date as date,
        channel,
        coalesce(sum(impressions), 0) as impressions,
        coalesce(sum(clicks), 0) as clicks,
        sum(spend_reporting) as spend
    from spend
    group by spend_date, channel
),

daily_signups as (
    select
        signup_date as date,
        channel,
        count(*) as signups
    from users
    where is_registered
    group by signup_date, channel
),

joined as (
    select
        coalesce(daily_spend.date, daily_signups.date) as date,
        coalesce(daily_spend.channel, daily_signups.channel) as channel,
        -- a channel without spend rows has spend 0 and no traffic
        coalesce(daily_spend.impressions, 0) as impressions,
        coalesce(daily_spend.clicks, 0) as clicks,
        coalesce(daily_spend.spend, 0) as spend,
        coalesce(daily_signups.signups, 0) as signups
    from daily_spend
    full outer join daily_signups
        on daily_spend.date = daily_signups.date and daily_spend.channel = daily_signups.channel
),

final as (
    select
        -- keys
        date,
        channel,

        -- measures
        impressions::bigint as impressions,
        clicks::bigint as clicks,
        {{ contract_cast('spend', 'money') }} as spend,
        {{ contract_cast(safe_divide('clicks', 'impressions'), 'ratio') }} as ctr,
        {{ contract_cast(safe_divide('spend', 'clicks'), 'ratio') }} as cpc,
        {{ contract_cast(safe_divide('1000 * spend', 'impressions'), 'ratio') }} as cpm,
        signups::bigint as signups,
        {{ contract_cast(safe_divide('signups', 'clicks'), 'ratio') }} as conversion_rate,
        {{ contract_cast(safe_divide('spend', 'signups'), 'ratio') }} as cac
    from joined
)

select * from final
