"""The shipped config/alert_rules.yml on a small warehouse: quiet when clean, exactly one alert per planted problem."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import psycopg
import pytest

from metrics_warehouse.alerting import engine
from metrics_warehouse.ingest.landing import discover
from metrics_warehouse.ingest.runner import record_landing_root, record_skipped

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


CLEAN = """
drop schema if exists marts, kpi cascade;
truncate ops.ingest_ledger, ops.quality_results, ops.landing_skipped cascade;
create schema marts;
create schema kpi;

insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
    records_read, records_loaded, started_at, finished_at)
select 'load', source, source || '/' || day::date || '/part.csv', day, md5(source || day), 1, 'loaded', 100, 100, now(), now()
from unnest(array['events', 'feedback', 'surveys', 'marketing_spend', 'fx_rates']) as source,
    generate_series(date '2026-11-01', date '2026-11-19', interval '1 day') as day
where source <> 'fx_rates' or extract(isodow from day) < 6;

insert into ops.quality_results (run_id, checked_at, suite, target, source, delivery_date, expectation, severity, success)
values
    ('load', now(), 'raw_events', 'raw.events', 'events', '2026-11-19', 'event_id_not_null', 'critical', true),
    ('load', now(), 'raw_events', 'ops.ingest_ledger', 'events', '2026-11-19', 'volume_vs_trailing_median', 'warning', true),
    ('load', now(), 'kpi_marts', 'kpi.kpi_daily', null, null, 'dau_at_most_wau', 'critical', true);

create table kpi.kpi_daily as
select day::date as date, 100 + (extract(day from day)::int % 3) * 10 - 15 * (extract(isodow from day) > 5)::int as dau
from generate_series(date '2026-10-01', date '2026-11-19', interval '1 day') as day;

create table kpi.kpi_channel_daily as
select day::date as date, channel, 400.0 as spend, 10 as signups
from unnest(array['douyin', 'weibo', 'organic']) as channel,
    generate_series(date '2026-11-01', date '2026-11-19', interval '1 day') as day;
update kpi.kpi_channel_daily set spend = 0 where channel = 'organic';

create table kpi.kpi_survey_monthly (month_start date, survey_id text, nps_responses int, promoters int, detractors int);
insert into kpi.kpi_survey_monthly values
    ('2026-09-01', 'nps_2026_09', 200, 90, 30), ('2026-10-01', 'nps_2026_10', 180, 80, 30),
    ('2026-11-01', 'nps_2026_11', 120, 50, 25), ('2026-11-01', 'csat_2026_11', 0, 0, 0);

create table marts.dim_users (user_id text, channel text, utm_source text);
insert into marts.dim_users values ('u1', 'douyin', '抖音'), ('u2', 'organic', null);
create table marts.fct_marketing_spend_daily (spend_date date, channel text, channel_alias text);
insert into marts.fct_marketing_spend_daily values ('2026-11-19', 'douyin', 'Douyin');
create table marts.fct_unconverted_money (source text, delivery_date date, currency text, money_date date, records bigint);
"""


@pytest.fixture
def warehouse(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute("truncate ops.alerts; drop table if exists ops.alert_state;" + CLEAN)
    return pg_url


def raised(url: str) -> list[tuple[str, str, str]]:
    return sorted((o.kind, o.rule, o.subject) for o in engine.evaluate(url, now=NOW))


def test_volume_alert_shows_the_rounded_ratio_and_date(warehouse):
    with psycopg.connect(warehouse) as conn:
        conn.execute(PLANTED["volume_anomaly"][0])
    [alert] = engine.evaluate(warehouse, now=NOW)
    assert (alert.value, alert.threshold) == ("0.25x on 2026-11-19", "0.7x..3.0x of the trailing 7-day median")


def test_unconverted_money_alert_names_the_currency_and_its_dates_per_source(warehouse):
    with psycopg.connect(warehouse) as conn:
        conn.execute(PLANTED["money_unconverted"][0])
    [alert] = engine.evaluate(warehouse, now=NOW)
    assert (alert.rule, alert.subject, alert.severity) == ("money_unconverted", "XYZ", "critical")
    assert alert.value == (
        "events: 3 record(s) dated 2026-11-16..2026-11-18 (2 dates); marketing_spend: 1 record(s) dated 2026-11-18"
    )


def test_clean_warehouse_raises_nothing(warehouse):
    assert raised(warehouse) == []
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from ops.alerts").fetchone() == (0,)


PLANTED = {
    "dau_anomaly": ("update kpi.kpi_daily set dau = 25 where date = '2026-11-19'", "dau"),
    "source_stale": (
        "delete from ops.ingest_ledger where source = 'feedback' and delivery_date > '2026-11-15'",
        "feedback",
    ),
    "unmapped_channel_alias": (
        "insert into marts.dim_users values ('u9', 'unmapped', 'kuaishou_new');"
        "insert into marts.fct_marketing_spend_daily values ('2026-11-19', 'unmapped', 'kuaishou_new')",
        "kuaishou_new",
    ),
    "money_unconverted": (
        "insert into marts.fct_unconverted_money values ('events', '2026-11-19', 'XYZ', '2026-11-18', 2),"
        " ('events', '2026-11-19', 'XYZ', '2026-11-16', 1), ('marketing_spend', '2026-11-19', 'XYZ', '2026-11-18', 1)",
        "XYZ",
    ),
    "nps_anomaly": (
        "update kpi.kpi_survey_monthly set promoters = 10, detractors = 90 where month_start = '2026-11-01'",
        "nps",
    ),
    "channel_cac_high": ("update kpi.kpi_channel_daily set signups = 1 where channel = 'weibo'", "weibo"),
    "file_rejected": (
        "update ops.ingest_ledger set status = 'rejected', message = 'missing_column:spend', records_read = 0,"
        " records_loaded = 0 where source = 'marketing_spend' and delivery_date = '2026-11-19'",
        "marketing_spend/2026-11-19/part.csv",
    ),
    "critical_check_failed": (
        "insert into ops.quality_results (run_id, checked_at, suite, target, source, delivery_date, expectation,"
        " severity, success) values ('load2', now() + interval '1 minute', 'kpi_marts', 'kpi.kpi_daily', null, null,"
        " 'dau_at_most_wau', 'critical', false)",
        "kpi_marts: dau_at_most_wau",
    ),
    "volume_anomaly": (
        "update ops.quality_results set success = false, details = '"
        + json.dumps({"examples": [{"volume_ratio": 0.25}], "kwargs": {"min_value": 0.7, "max_value": 3.0}})
        + "' where expectation = 'volume_vs_trailing_median'",
        "events",
    ),
}


@pytest.mark.parametrize("rule", PLANTED)
def test_planted_problem_raises_exactly_its_alert_then_recovers(warehouse, rule):
    plant, subject = PLANTED[rule]
    with psycopg.connect(warehouse) as conn:
        conn.execute(plant)

    assert raised(warehouse) == [("alert", rule, subject)]
    assert raised(warehouse) == []

    with psycopg.connect(warehouse) as conn:
        conn.execute(CLEAN)
    assert raised(warehouse) == [("recovery", rule, subject)]


def test_a_hidden_path_is_announced_once_as_info_and_tool_files_never(warehouse, tmp_path):
    delivery = tmp_path / "events" / "2026-11-19"
    delivery.mkdir(parents=True)
    for name in (".hidden.jsonl", ".DS_Store", "._part-1.jsonl", ".~lock.part-1.jsonl#", ".nfs0000000000a1b2c3"):
        (delivery / name).write_text("{}\n")
    (tmp_path / ".sample.json").write_text("{}")
    (tmp_path / "notes.txt").write_text("a stray file")
    record_landing_root(warehouse, tmp_path)
    with psycopg.connect(warehouse) as conn:
        record_skipped(conn, discover(tmp_path, "events")[1])
        reasons = dict(conn.execute("select path, reason from ops.landing_skipped"))
    assert sorted(reasons.values()) == ["hidden", "stray_file", *["tool_file"] * 5]

    outcomes = engine.evaluate(warehouse, now=NOW)

    assert sorted((o.kind, o.rule, o.subject, o.severity) for o in outcomes) == [
        ("alert", "landing_path_hidden", "events/2026-11-19/.hidden.jsonl", "info"),
        ("alert", "landing_path_skipped", "notes.txt", "warning"),
    ]
    assert raised(warehouse) == [], "announced once, not on every evaluation"


def test_rule_on_a_missing_table_is_skipped_without_stopping_the_others(warehouse):
    with psycopg.connect(warehouse) as conn:
        conn.execute("drop schema kpi cascade")
        conn.execute("delete from ops.ingest_ledger where source = 'events' and delivery_date > '2026-11-10'")
    assert raised(warehouse) == [("alert", "source_stale", "events")]
