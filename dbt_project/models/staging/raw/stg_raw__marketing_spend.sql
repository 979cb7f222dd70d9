-- one row per raw spend record (restatements kept; fct_marketing_spend_daily keeps the latest delivery)
with

spend as (
    select * from {{ source('raw', 'marketing_spend') }}
),

ledger as (
    -- files the raw gate held back (README: Quality gates) stay out of the marts
    select * from {{ source('ops', 'ingest_ledger') }}
    where held_because is null
),

mapped as (
    select
        -- keys and lineage
        spend.file_id,
        spend.line_number,
        ledger.delivery_date,
        {{ parse_date('spend.date') }} as spend_date,
        btrim(spend.channel) as channel_alias,
        btrim(spend.campaign_id) as campaign_id,
        -- dimensions
        {{ map_alias('spend.channel', 'channel_aliases', 'channel') }} as channel,
        nullif(btrim(spend.campaign_name), '') as campaign_name,
        coalesce(upper(nullif(btrim(spend.currency), '')), '{{ var("reporting_currency") }}') as currency,
        -- measures
        {{ parse_integer('spend.impressions', 'bigint') }} as impressions,
        {{ parse_integer('spend.clicks', 'bigint') }} as clicks,
        {{ parse_number('spend.spend') }} as spend
    from spend
    inner join ledger on spend.file_id = ledger.file_id
),

final as (
    select
        *,
        -- a restatement is the same (date, channel, campaign): aliases of one channel are one channel, and
        -- unknown aliases stay apart (matching ignores case and surrounding spaces, as the alias seed does)
        case
            when channel = 'unmapped' then 'unmapped:' || lower(channel_alias)
            else channel
        end as channel_key
    from mapped
)

select * from final
