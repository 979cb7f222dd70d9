-- Warehouse objects owned by ingestion and operations (dbt owns everything else).
-- Idempotent: applied at the start of every pipeline run.

create schema if not exists raw;
create schema if not exists ops;

-- One row per landing file seen. A file is known by the SHA-256 of its content.
create table if not exists ops.ingest_ledger (
    file_id bigserial primary key,
    load_id text not null,
    source text not null,
    path text not null,
    delivery_date date not null,
    content_sha256 text not null,
    size_bytes bigint not null,
    encoding text,
    status text not null check (status in ('loaded', 'rejected', 'duplicate_file', 'empty')),
    message text,
    records_read bigint not null default 0,
    records_loaded bigint not null default 0,
    records_quarantined bigint not null default 0,
    records_skipped bigint not null default 0,
    schema_drift jsonb,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    constraint ledger_reconciles check (records_read = records_loaded + records_quarantined + records_skipped)
);
-- The first sighting of a content hash owns it; later sightings are duplicate_file rows.
create unique index if not exists ingest_ledger_content_owner
    on ops.ingest_ledger (content_sha256) where status <> 'duplicate_file';
create unique index if not exists ingest_ledger_path_content
    on ops.ingest_ledger (path, content_sha256);

-- One row per rejected record, with the raw record as received.
create table if not exists ops.quarantine (
    file_id bigint not null references ops.ingest_ledger (file_id),
    source text not null,
    path text not null,
    line_number bigint not null,
    reason text not null,
    message text not null,
    raw_record text not null
);
create index if not exists quarantine_file on ops.quarantine (file_id);

-- Raw tables: every accepted record as received, plus where it came from.
-- Values stay text; staging models cast and standardise them.
create table if not exists raw.events (
    file_id bigint not null,
    line_number bigint not null,
    event_id text not null,
    event_name text not null,
    event_time text not null,
    user_id text,
    payload jsonb not null,
    primary key (file_id, line_number)
);

create table if not exists raw.feedback (
    file_id bigint not null,
    line_number bigint not null,
    feedback_id text not null,
    user_id text,
    created_at text not null,
    channel text,
    category text,
    rating text,
    content text,
    status text,
    first_response_at text,
    resolved_at text,
    extra jsonb,
    primary key (file_id, line_number)
);

create table if not exists raw.surveys (
    file_id bigint not null,
    line_number bigint not null,
    response_id text not null,
    survey_id text not null,
    user_id text,
    submitted_at text not null,
    nps_score text,
    csat_score text,
    comment text,
    extra jsonb,
    primary key (file_id, line_number)
);

create table if not exists raw.marketing_spend (
    file_id bigint not null,
    line_number bigint not null,
    date text not null,
    channel text not null,
    campaign_id text not null,
    campaign_name text,
    impressions text,
    clicks text,
    spend text not null,
    currency text,
    extra jsonb,
    primary key (file_id, line_number)
);

create table if not exists raw.fx_rates (
    file_id bigint not null,
    line_number bigint not null,
    date text not null,
    currency text not null,
    rate text not null,
    extra jsonb,
    primary key (file_id, line_number)
);

-- Results of every quality check (Great Expectations), one row per expectation per run.
create table if not exists ops.quality_results (
    run_id text not null,
    checked_at timestamptz not null,
    suite text not null,
    target text not null,
    source text,
    delivery_date date,
    expectation text not null,
    severity text not null check (severity in ('critical', 'warning')),
    success boolean not null,
    observed_value text,
    details jsonb
);

-- Every alert raised, and its delivery.
create table if not exists ops.alerts (
    alert_id bigserial primary key,
    raised_at timestamptz not null,
    rule text not null,
    kind text not null check (kind in ('alert', 'recovery')),
    severity text not null,
    subject text not null,
    value text,
    threshold text,
    owner text not null,
    channel text not null,
    delivery_status text not null,
    delivery_attempts integer not null default 0,
    last_error text
);

-- KPI targets as config/targets.yml says (replaced by alerting.targets.store before every dbt build; read by
-- kpi.kpi_targets).
create table if not exists ops.targets (
    name text primary key,
    kpi text not null,
    channel text,
    period text not null check (period in ('month', 'week')),
    target numeric not null,
    direction text not null check (direction in ('at_least', 'at_most')),
    owner text not null
);
