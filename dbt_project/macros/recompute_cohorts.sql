{#-
    Incremental dim_user_cohorts (macros/recompute.sql has the mechanism), keyed by user_id. A row reads the user's
    facts of the 90 days from the signup date on, so the users recomputed are:

    - the registered users who signed up on or after 89 days before the earliest date a newer file can change;
    - every user whose (signup_date, channel) differ from the row kept, both ways: a new or changed user, and a row
      whose user is no longer registered (deleted). A late first signup is newer, so it falls under the rule above.
-#}
{% macro recompute_cohort_users() -%}
    {%- if is_incremental() -%}
        {%- set users = ref('dim_users') -%}
        {%- set keys -%}
            select users.user_id as key
            from {{ users }} as users
            where users.is_registered and users.signup_date >= {{ earliest_changed_date() }} - 89
            union
            select changed.user_id
            from (
                {{ changed_rows(
                    ['user_id', 'signup_date', 'channel'],
                    this,
                    '(select * from ' ~ users ~ ' where is_registered)'
                ) }}
            ) as changed
        {%- endset -%}
        {{ create_watermarks() }};
        {{ recompute_start('user_id', keys) }}
    {%- endif -%}
{%- endmacro %}
