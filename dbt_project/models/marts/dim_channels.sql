-- one row per canonical channel (the channels seed, plus any channel the alias seed introduces)
with

channels as (
    select * from {{ ref('channels') }}
),

aliases as (
    select * from {{ ref('channel_aliases') }}
),

alias_channels as (
    select distinct btrim(channel) as channel
    from aliases
),

final as (
    select
        btrim(channel) as channel,
        display_name,
        is_paid
    from channels
    union all
    select
        channel,
        channel as display_name,
        true as is_paid
    from alias_channels
    where channel not in (select btrim(channels.channel) from channels)
)

select * from final
