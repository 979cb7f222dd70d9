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

create index if not exists alerts_pending on ops.alerts (alert_id) where delivery_status = 'pending';

-- The message as sent and, for KPI anomalies, the judgement and the segments behind it.
alter table ops.alerts
    add column if not exists message text,
    add column if not exists details jsonb;
