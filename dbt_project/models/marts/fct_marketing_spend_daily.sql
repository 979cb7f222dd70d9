-- one row per (spend_date, channel_key, campaign_id): a later delivery restates (replaces) the earlier one
with

spend as (
    select * from {{ ref('stg_raw__marketing_spend') }}
),

latest as (
    {{ deduplicate('spend', ['spend_date', 'channel_key', 'campaign_id'], keep='latest') }}
),

converted as (
    select
        *,
        {{ fx_rate('latest.currency', 'latest.spend_date') }} as fx_rate
    from latest
),

final as (
    select
        -- keys
        md5(spend_date::{{ sql_type('text') }} || '|' || channel_key || '|' || campaign_id) as spend_key,
        spend_date,
        channel,
        channel_alias,
        campaign_id,
        campaign_name,
        -- measures
        impressions,
        clicks,
        currency,
        {{ contract_cast('spend', 'money') }} as spend,
        {{ contract_cast('fx_rate', 'ratio') }} as fx_rate,
        {{ contract_cast('spend * fx_rate', 'money') }} as spend_reporting,
        -- lineage
        delivery_date
    from converted
)

select * from final
