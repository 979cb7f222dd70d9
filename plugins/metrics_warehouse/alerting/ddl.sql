-- Alerting bookkeeping (applied by metrics_warehouse.alerting.engine; ops.alerts itself is in warehouse/ddl.sql).
create schema if not exists ops;

-- One row per (rule, subject) ever alerted: open until the condition clears, then recovered.
create table if not exists ops.alert_state (
    rule text not null,
    subject text not null,
    status text not null check (status in ('open', 'recovered')),
    severity text not null,
    value text,
    threshold text,
    opened_at timestamptz not null,
    last_seen_at timestamptz not null,
    recovered_at timestamptz,
    primary key (rule, subject)
);
-- the owner a row of the rule's query named (NULL: the rule's owner), so its recovery goes to the same owner
alter table ops.alert_state add column if not exists owner text;

create index if not exists alerts_pending on ops.alerts (alert_id) where delivery_status = 'pending';

-- The message as sent and, for KPI anomalies, the judgement and the segments behind it.
alter table ops.alerts
    add column if not exists message text,
    add column if not exists details jsonb;


-- Closing the loop: an alert (all rows of one rule, subject and raising) is acknowledged, then resolved with its root
-- cause (python -m metrics_warehouse alerts ack|resolve ID --note ...). One that fires again within 30 days of a
-- resolution is recurring and escalated to its owner's escalation owner (owners.yml).
alter table ops.alerts
    add column if not exists acknowledged_at timestamptz,
    add column if not exists resolved_at timestamptz,
    add column if not exists resolution_note text,
    add column if not exists recurring boolean not null default false,
    add column if not exists escalated_to text;

-- Per owner and rule: alerts raised, how many recurred, and how fast they were acknowledged and resolved.
create or replace view ops.alert_stats as
with raised as (
    select
        owner, rule, subject, raised_at,
        bool_or(recurring) as recurring,
        min(acknowledged_at) as acknowledged_at,
        min(resolved_at) as resolved_at
    from ops.alerts
    where kind = 'alert'
    group by owner, rule, subject, raised_at
)
select
    owner,
    rule,
    count(*) as alerts_raised,
    count(*) filter (where recurring) as recurring,
    count(acknowledged_at) as acknowledged,
    count(resolved_at) as resolved,
    count(*) filter (where resolved_at is null) as unresolved,
    percentile_cont(0.5) within group (order by extract(epoch from acknowledged_at - raised_at) / 3600)
        as median_hours_to_acknowledge,
    percentile_cont(0.5) within group (order by extract(epoch from resolved_at - raised_at) / 3600)
        as median_hours_to_resolve,
    max(raised_at) as last_raised_at
from raised
group by owner, rule;
