-- Warehouse objects owned by ingestion and operations (dbt owns everything else).
-- Idempotent: applied at the start of every pipeline run.

create schema if not exists raw;
create schema if not exists ops;
-- The quality gates' work tables (quality.work_tables), dropped when the gate is done.
create schema if not exists gate_work;

-- The SHA-256 of this file as last applied: start-up skips it when unchanged (warehouse.connection.apply_ddl).
create table if not exists ops.ddl_version (version text not null);

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
    status text not null,
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
-- loaded / rejected: the content was read; duplicate_file: the same content as a loaded or rejected file; empty: no
-- records (never a duplicate); unreadable: the file could not be opened or read (content unknown, retried when it
-- changes); refused: this path was loaded before with other content (README: Ingestion rules).
alter table ops.ingest_ledger drop constraint if exists ingest_ledger_status_check;
alter table ops.ingest_ledger add constraint ingest_ledger_status_check
    check (status in ('loaded', 'rejected', 'duplicate_file', 'empty', 'unreadable', 'refused'));
-- The raw-batch gate's verdict (README: Quality gates): when it validated the file, and the failed critical checks
-- when it holds the file back from the marts (staging reads only files with held_because null).
-- A copy (duplicate_file) brings nothing of its own: it is counted nowhere, validated never. The one home of that rule.
alter table ops.ingest_ledger add column if not exists is_copy boolean
    generated always as (status = 'duplicate_file') stored;
alter table ops.ingest_ledger add column if not exists validated_at timestamptz;
alter table ops.ingest_ledger add column if not exists held_because text;
-- The first reading of a content hash owns it; later sightings are duplicate_file rows.
drop index if exists ops.ingest_ledger_content_owner;
create unique index if not exists ingest_ledger_content_reader
    on ops.ingest_ledger (content_sha256) where status in ('loaded', 'rejected');
create unique index if not exists ingest_ledger_path_content
    on ops.ingest_ledger (path, content_sha256);

-- Every release of a held file (python -m metrics_warehouse release PATH --reason ...): who released it, when, why,
-- and the hold it lifted (the ledger's held_because before; the release sets it to null).
create table if not exists ops.file_releases (
    release_id bigserial primary key,
    file_id bigint not null references ops.ingest_ledger (file_id),
    released_at timestamptz not null,
    released_by text not null,
    reason text not null check (btrim(reason) <> ''),
    held_because text not null
);
create index if not exists file_releases_file on ops.file_releases (file_id);

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
-- Values stay text; staging models cast and standardise them. One exception: raw.events.event_at is event_time as the
-- loader read it (README: Value rules) when that needs no source zone (epoch milliseconds, `Z` or an offset), else null
-- and staging reads event_time (a naive time's instant follows the source zone at build time).
create table if not exists raw.events (
    file_id bigint not null,
    line_number bigint not null,
    event_id text not null,
    event_name text not null,
    event_time text not null,
    user_id text,
    payload jsonb not null,
    event_at timestamptz,
    primary key (file_id, line_number)
);
alter table raw.events add column if not exists event_at timestamptz;  -- warehouses created before it

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

-- KPI targets as config/targets.yml says (replaced by metrics_warehouse.targets.store before every dbt build; read by
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

-- One row per successful dbt build of the pipeline: what it read (metrics_warehouse.dbt.state).
create table if not exists ops.dbt_builds (
    build_id bigserial primary key,
    run_id text not null,
    built_at timestamptz not null,
    ledger_file_id bigint not null,
    project_sha256 text not null
);
-- the files held back from the marts then (a release or a new hold changes what staging reads)
alter table ops.dbt_builds add column if not exists held_file_ids bigint[] not null default '{}';

-- Every path under the landing root that is not a landing file, recorded once with why (README: Ingestion rules).
create table if not exists ops.landing_skipped (
    path text primary key,
    reason text not null,
    first_seen_at timestamptz not null
);

-- The value rules (README: Value rules) as metrics_warehouse.ingest.values reads them, NULL where ingestion
-- quarantines: staging (the dbt macros parse_timestamp / parse_number) and the raw-batch gates call these, so a value
-- ingestion accepted is read the same way everywhere and no value in raw.* can make a model or a gate fail.
create or replace function ops.normalised(value text) returns text
language sql immutable parallel safe
return btrim(normalize(value, nfkc), ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13));

create or replace function ops.no_answer(value text) returns boolean
language sql immutable parallel safe
return value is null or lower(ops.normalised(value)) in ('', 'n/a', 'na', 'null', 'none');

create or replace function ops.calendar_date(y text, m text, d text) returns date
language sql immutable parallel safe
return case
    when d::int <= extract(day from make_date(y::int, m::int, 1) + interval '1 month - 1 day')
        then make_date(y::int, m::int, d::int)
end;

create or replace function ops.parse_date(value text) returns date
language sql immutable parallel safe
return (
    select ops.calendar_date(p[1], p[2], p[3])
    from regexp_match(ops.normalised(value), '^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$') as p
);

create or replace function ops.parse_timestamp(value text, source_tz text) returns timestamptz
language plpgsql stable parallel safe as $$
declare
    t text := ops.normalised(value);
    p text[];
    local timestamp;
begin
    if t ~ '^[0-9]{1,13}$' then
        return timestamptz 'epoch' + t::bigint * interval '1 millisecond';
    end if;
    -- The common form (extended, seconds, at most 6 fraction digits, Z or +hh:mm) reads as PostgreSQL's own cast reads
    -- it; a regex without captures is ~20x cheaper than the general match below, and gates scan every raw row.
    if t ~ '^[12][0-9]{3}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-4]):[0-5][0-9])$'
        and ops.calendar_date(substr(t, 1, 4), substr(t, 6, 2), substr(t, 9, 2)) is not null then
        return t::timestamptz;
    end if;
    p := coalesce(
        regexp_match(t,  -- extended
            '^([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])'
            '(?::([0-5][0-9])(?:[.,]([0-9]{1,9}))?)?[ \t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])(?::?([0-5][0-9]))?)?)?$'),
        regexp_match(t,  -- basic, with the T
            '^([12][0-9]{3})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3])([0-5][0-9])(?:([0-5][0-9])'
            '(?:[.,]([0-9]{1,9}))?)?[ \t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])([0-5][0-9])?)?$'));
    local := ops.calendar_date(p[1], p[2], p[3])
        + make_interval(hours => coalesce(p[4], '0')::int, mins => coalesce(p[5], '0')::int,
            secs => coalesce(p[6], '0')::int)
        + rpad(left(coalesce(p[7], ''), 6), 6, '0')::int * interval '1 microsecond';
    if local is null then
        return null;
    elsif p[8] is not null then
        return local at time zone 'UTC';
    elsif p[9] is not null then
        return (local - (p[9] || '1')::int * make_interval(hours => p[10]::int, mins => coalesce(p[11], '0')::int))
            at time zone 'UTC';
    end if;
    return local at time zone source_tz;
end $$;

create or replace function ops.parse_number(value text) returns numeric
language plpgsql immutable parallel safe as $$
declare
    p text[];
begin
    if ops.no_answer(value) then
        return null;
    end if;
    p := regexp_match(
        btrim(regexp_replace(ops.normalised(value), '^(?:cny|rmb|usd) *| *(?:cny|rmb|usd)$|[¥$€£]', '', 'gi'), ' '),
        '^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)?([.][0-9]*)?([eE][+-]?[0-9]+)?$');
    -- numeric cannot hold every number text can spell: at most 100 digits and a 3-digit exponent are read
    if p is null or coalesce(p[2], '') || substr(coalesce(p[3], ''), 2) = ''
        or length(coalesce(p[2], '') || coalesce(p[3], '')) > 100 or length(translate(p[4], 'eE+-', '')) > 3 then
        return null;
    end if;
    return (p[1] || coalesce(translate(p[2], ', ', ''), '0') || coalesce(p[3], '') || coalesce(p[4], ''))::numeric;
end $$;

create or replace function ops.parse_integer(value text, low numeric, high numeric) returns bigint
language sql immutable parallel safe
return (
    select n::bigint from ops.parse_number(value) as n where n between low and high and n = trunc(n)
);
