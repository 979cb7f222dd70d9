{#-
    Incremental kpi_segments_daily (macros/recompute.sql has the mechanism). Its rows of a date read that date's facts
    only (and the next day's activity, for D1 retention), but they describe those facts by things a newer file can
    change for older dates too: a user's channel and signup date, the purchase event behind an order and its refunds,
    a feedback ticket's latest version. The dates recomputed:

    - the dates a newer events file can have changed (changed_event_dates), and the day before each (D1 retention);
    - the dates of newer spend files; every money and spend date from the earliest rate of a newer fx file on;
    - every date of a feedback ticket with a version in a newer file (its created date can move);
    - every date of an order with a purchase in a newer file (an earlier copy can become the order), and its refunds;
    - the last build's as_of_date, whose D1 retention becomes mature when it moves on;
    - every date of a user whose (channel, signup_date) in dim_users differ from the last build's, kept in
      marts.segment_users by the post-hook `save_segment_users()` (a late first signup re-attributes the user's past):
      activity, orders, refunds, and the old and new signup dates.
-#}

{% macro create_segment_users() -%}
    create table if not exists marts.segment_users (user_id text primary key, channel text, signup_date date)
{%- endmacro %}

{% macro save_segment_users() -%}
    {{ return(adapter.dispatch('save_segment_users')()) }}
{%- endmacro %}

{#- Spark rebuilds the table whole (macros/engine/incremental.sql): nothing to compare with next time. -#}
{% macro spark__save_segment_users() -%}
{%- endmacro %}

{% macro default__save_segment_users() -%}
    {{ create_segment_users() }};
    truncate marts.segment_users;
    insert into marts.segment_users (user_id, channel, signup_date)
    select users.user_id, users.channel, users.signup_date from {{ ref('dim_users') }} as users
{%- endmacro %}

{% macro recompute_segment_dates() -%}
    {%- if is_incremental() -%}
        {%- set watermark = saved_watermark() -%}
        {%- set new_purchases -%}
            select purchases.order_id
            from {{ ref('fct_money_events') }} as purchases
            where purchases.event_name = 'purchase' and {{ unread_file('purchases.file_id', watermark) }}
        {%- endset -%}
        {%- set new_rates_from -%}
            select min(rates.rate_date) from ({{ unread_dates('stg_raw__fx_rates', 'rate_date', watermark) }}) as rates
        {%- endset -%}
        {%- set keys -%}
            select (changed.event_date - shift.days)::date as key
            from ({{ changed_event_dates(watermark) }}) as changed
            cross join (values (0), (1)) as shift (days)
            union
            {{ unread_dates('stg_raw__marketing_spend', 'spend_date', watermark) }}
            union
            select money.event_date
            from {{ ref('fct_money_events') }} as money
            where money.event_date >= ({{ new_rates_from }})
            union
            select spend.spend_date
            from {{ ref('fct_marketing_spend_daily') }} as spend
            where spend.spend_date >= ({{ new_rates_from }})
            union
            select versions.created_date
            from {{ ref('stg_raw__feedback') }} as versions
            where versions.feedback_id in (
                select updated.feedback_id
                from {{ ref('stg_raw__feedback') }} as updated
                where {{ unread_file('updated.file_id', watermark) }}
            )
            union
            select purchases.event_date
            from {{ ref('fct_money_events') }} as purchases
            where purchases.event_name = 'purchase' and purchases.order_id in ({{ new_purchases }})
            union
            select refunds.refund_date
            from {{ ref('fct_refunds') }} as refunds
            where refunds.order_id in ({{ new_purchases }})
            {%- for model, date_column in [
                ('fct_user_active_days', 'activity_date'), ('fct_orders', 'order_date'), ('fct_refunds', 'refund_date')
            ] %}
            union
            select facts.{{ date_column }}
            from {{ ref(model) }} as facts
            where facts.user_id in (select changed_users.user_id from changed_users)
            {%- endfor %}
            union
            select changed_users.signup_date
            from changed_users
            where changed_users.signup_date is not null
            union
            -- the last build's as_of_date (the newest dau date): its D1 retention is listed once as_of_date moves on
            select max(built.date)
            from {{ this }} as built
            where built.metric = 'dau'
        {%- endset -%}
        {{ create_watermarks() }};
        {{ create_segment_users() }};
        create temporary table changed_users on commit drop as
        {{ changed_rows(['user_id', 'channel', 'signup_date'], 'marts.segment_users', ref('dim_users')) }};
        {{ recompute_start('date', keys, dates=true) }}
    {%- endif -%}
{%- endmacro %}
