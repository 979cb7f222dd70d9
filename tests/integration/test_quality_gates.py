"""The GX gates on a real database: planted bad rows fail the right expectation on the right delivery date, and the
raw gate holds back exactly the files that failed."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import psycopg
import pytest

from metrics_warehouse import tasks
from metrics_warehouse.quality import checkpoints
from metrics_warehouse.quality.gates import check_kpi_marts, check_raw_batch
from metrics_warehouse.quality.results import QualityGateFailed

DAY1, DAY2 = date(2026, 3, 1), date(2026, 3, 2)


def add_file(
    conn, load_id: str, source: str, delivery_date: date, rows: list[tuple], *, loaded: int | None = None
) -> int:
    """A ledger row and its raw rows (columns after file_id, line_number), as ingestion would write them."""
    count = len(rows) if loaded is None else loaded
    file_id = conn.execute(
        """
        insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
            records_read, records_loaded, started_at, finished_at)
        values (%s, %s, %s, %s, md5(random()::text), 1, 'loaded', %s, %s, now(), now())
        returning file_id
        """,
        (load_id, source, f"{source}/{delivery_date}/{load_id}.csv", delivery_date, count, count),
    ).fetchone()[0]
    columns = {
        "surveys": "response_id, survey_id, user_id, submitted_at, nps_score, csat_score, comment",
        "marketing_spend": "date, channel, campaign_id, campaign_name, impressions, clicks, spend, currency",
        "events": "event_id, event_name, event_time, user_id, payload",
    }[source]
    placeholders = ", ".join(["%s"] * (len(columns.split(",")) + 2))
    with conn.cursor() as cur:
        cur.executemany(
            f"insert into raw.{source} (file_id, line_number, {columns}) values ({placeholders})",
            [(file_id, line, *row) for line, row in enumerate(rows, start=2)],
        )
    return file_id


def held(url: str) -> dict[int, str]:
    with psycopg.connect(url) as conn:
        return dict(conn.execute("select file_id, held_because from ops.ingest_ledger where held_because is not null"))


@pytest.mark.parametrize(
    ("target", "query", "work_split", "error"),
    [
        ("raw.surveys", "select 1 / 0 as x", None, "division by zero"),
        ("raw.surveys", "select 1 / 0 as x", "x", "division by zero"),
        ("marts.no_such_table", None, None, "no_such_table"),
    ],
    ids=["query", "work_table", "missing_table"],
)
def test_a_query_that_fails_is_one_critical_result_not_one_per_expectation(pg_url, target, query, work_split, error):
    from great_expectations import expectations as gxe

    from metrics_warehouse.quality.suites import Asset, Suite, critical

    expectations = [critical(f"check_{n}", gxe.ExpectColumnValuesToNotBeNull(column="x")) for n in range(3)]
    asset = Asset("rows", target, query, expectations, work_split=work_split)
    suite = Suite("broken", [asset], source="surveys")
    outcomes, _ = checkpoints.run_suite(pg_url, suite, "run-broken")
    assert [(r.expectation, r.success, r.severity) for r in outcomes] == [("rows_query_failed", False, "critical")]
    assert error in outcomes[0].details["exception"]


# Validates a rows asset of 400k rows (about 80 MB of text) in a process of its own and prints how much its peak RSS
# grew meanwhile: GX must not fetch the rows into Python (its query assets did: 3 GB for 10M events).
VALIDATE_LARGE_BATCH = """
import sys
from great_expectations import expectations as gxe
from metrics_local.bench.memory import peak_rss_kb
from metrics_warehouse.quality import checkpoints
from metrics_warehouse.quality.suites import Asset, Suite, critical

def suite(rows):
    query = f"select n as line_number, repeat('x', 200) as value from generate_series(1, {rows}) as n"
    check = critical("value_not_empty", gxe.ExpectColumnValueLengthsToBeBetween(column="value", min_value=1))
    return Suite("large", [Asset("rows", "raw.events", query, [check], ("line_number",), work_split="line_number")])

checkpoints.run_suite(sys.argv[1], suite(10), "warm-up")  # GX's own first-use memory
before = peak_rss_kb()
[result] = checkpoints.run_suite(sys.argv[1], suite(400_000), "large")[0]
print(result.success, result.observed_value, (peak_rss_kb() - before) // 1024, sep="|")
"""


def test_a_large_batch_is_validated_without_its_rows_in_memory(pg_url):
    done = subprocess.run(
        [sys.executable, "-c", VALIDATE_LARGE_BATCH, pg_url], capture_output=True, text=True, check=True
    )
    success, observed, growth_mb = done.stdout.strip().split("|")
    assert (success, observed) == ("True", "0 unexpected of 400000")
    assert int(growth_mb) < 40, f"peak RSS grew by {growth_mb} MB while validating 400k rows"


def survey(n: int, nps: str = "9", csat: str = "5") -> tuple:
    return (f"r{n}", "s1", f"u{n}", "2026-03-01T10:00:00+08:00", nps, csat, "好")


def results(url: str, run_id: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            select suite, target, source, delivery_date, expectation, severity, success, observed_value
            from ops.quality_results where run_id = %s order by expectation, delivery_date
            """,
            (run_id,),
        ).fetchall()


def test_clean_survey_batch_passes_and_stores_one_row_per_expectation_and_date(pg_url):
    with psycopg.connect(pg_url) as conn:
        add_file(conn, "clean", "surveys", DAY1, [survey(1), survey(2, "N/A", ""), survey(3, " 0 ", "1")])
        add_file(conn, "clean", "surveys", DAY2, [survey(4, "10", "n/a")])

    gate = check_raw_batch(pg_url, "surveys", "run-clean")

    assert gate.success and not gate.failures
    assert held(pg_url) == {}
    stored = results(pg_url, "run-clean")
    checks = {row[4] for row in stored}
    assert {"nps_score_0_to_10", "csat_score_1_to_5", "ledger_raw_rows_minus_loaded_zero"} <= checks
    assert len(stored) == 2 * len(checks)  # one row per expectation per delivery date
    assert {row[3] for row in stored} == {DAY1, DAY2}
    assert all(row[0] == "raw_surveys" and row[2] == "surveys" and row[6] for row in stored)
    assert Path(gate.data_docs).is_file() and gate.data_docs.startswith(str(checkpoints.DATA_DOCS_DIR))


def test_planted_bad_score_fails_critically_on_its_delivery_date_only_and_holds_its_file(pg_url):
    with psycopg.connect(pg_url) as conn:
        add_file(conn, "bad", "surveys", DAY1, [survey(11), survey(12)])
        bad = add_file(conn, "bad", "surveys", DAY2, [survey(13), survey(14, nps="11")])

    gate = check_raw_batch(pg_url, "surveys", "run-bad")

    assert [(r.expectation, r.delivery_date) for r in gate.critical_failures] == [("nps_score_0_to_10", DAY2)]
    assert held(pg_url) == {bad: "nps_score_0_to_10"}
    stored = {(row[4], row[3]): row for row in results(pg_url, "run-bad")}
    assert stored[("nps_score_0_to_10", DAY2)][6:] == (False, "1 unexpected")
    assert stored[("nps_score_0_to_10", DAY1)][6] is True
    assert stored[("csat_score_1_to_5", DAY2)][6] is True


def test_every_file_is_validated_once_whichever_run_loaded_it(pg_url):
    before = results(pg_url, "run-bad")
    assert check_raw_batch(pg_url, "surveys", "run-bad").results == []  # nothing without a verdict
    assert results(pg_url, "run-bad") == before
    with psycopg.connect(pg_url) as conn:
        unvalidated = conn.execute("select count(*) from ops.ingest_ledger where validated_at is null").fetchone()[0]
    assert unvalidated == 0


def test_ledger_that_does_not_match_the_raw_rows_fails(pg_url):
    with psycopg.connect(pg_url) as conn:
        add_file(conn, "short", "surveys", DAY1, [survey(21), survey(22)], loaded=3)

    gate = check_raw_batch(pg_url, "surveys", "run-short")

    assert {r.expectation for r in gate.critical_failures} == {"ledger_raw_rows_minus_loaded_zero"}


def spend(n: int, impressions: str, clicks: str, amount: str) -> tuple:
    return ("2026-03-01", "抖音", f"c{n}", "campaign", impressions, clicks, amount, "CNY")


def test_spend_numbers_are_parsed_and_clicks_above_impressions_only_warns(pg_url):
    with psycopg.connect(pg_url) as conn:
        add_file(
            conn,
            "spend",
            "marketing_spend",
            DAY1,
            [spend(1, "1,000", "20", "¥12,345.60"), spend(2, "N/A", "", "$5"), spend(3, "10", "12", "0")],
        )

    gate = check_raw_batch(pg_url, "marketing_spend", "run-spend")

    assert gate.success
    assert [r.expectation for r in gate.failures] == ["clicks_at_most_impressions"]
    assert gate.failures[0].severity == "warning"


def test_negative_spend_is_critical(pg_url):
    with psycopg.connect(pg_url) as conn:
        negative = add_file(conn, "neg", "marketing_spend", DAY1, [spend(1, "10", "1", "-¥3.00")])
        good = add_file(conn, "pos", "marketing_spend", DAY2, [spend(2, "10", "1", "¥3.00")])
    gate = check_raw_batch(pg_url, "marketing_spend", "run-neg")
    assert [r.expectation for r in gate.critical_failures] == ["spend_not_negative"]
    assert negative in held(pg_url) and good not in held(pg_url)


def test_volume_far_below_the_trailing_median_warns(pg_url):
    start = date(2026, 4, 1)
    event = '{{"event_id": "{0}", "event_name": "login", "event_time": "2026-04-01T00:00:00Z"}}'
    with psycopg.connect(pg_url) as conn:
        for day in range(7):
            add_file(
                conn,
                f"history{day}",
                "events",
                start + timedelta(days=day),
                [(f"h{day}-{i}", "login", "1775001600000", "u1", event.format(f"h{day}-{i}")) for i in range(100)],
            )
        add_file(
            conn,
            "drop",
            "events",
            start + timedelta(days=7),
            [(f"d{i}", "login", "2026-04-08T09:00:00+08:00", "u1", event.format(f"d{i}")) for i in range(20)],
        )

    gate = check_raw_batch(pg_url, "events", "run-drop")

    assert gate.success
    assert [(r.expectation, r.observed_value) for r in gate.failures] == [("volume_vs_trailing_median", "1 unexpected")]
    assert gate.failures[0].details["examples"][0]["volume_ratio"] == pytest.approx(0.2)


def test_a_batch_without_files_of_the_source_checks_nothing(pg_url):
    gate = check_raw_batch(pg_url, "feedback", "run-none")
    assert gate.success and gate.results == []


MARTS = """
drop schema if exists marts, kpi, seeds cascade;
create schema marts;
create schema kpi;
create schema seeds;
create table seeds.channels (channel text, display_name text, is_paid boolean);
create table seeds.channel_aliases (alias text, channel text);
insert into seeds.channels values ('douyin', 'Douyin', true), ('organic', 'Organic', false);
insert into seeds.channel_aliases values ('抖音', 'douyin'), ('tiktok', 'douyin'), ('微博', 'weibo');
create table marts.fct_events (event_id text not null, event_name text, user_id text);
create unique index fct_events_key on marts.fct_events (event_id);
insert into marts.fct_events values ('e1', 'login', 'u1'), ('e2', 'purchase', 'u1');
create table marts.fct_orders (order_id text primary key, event_id text, amount numeric);
insert into marts.fct_orders values ('o1', 'e2', 10);
create table marts.dim_channels (channel text, display_name text, is_paid boolean);
insert into marts.dim_channels values ('douyin', 'Douyin', true), ('weibo', 'Weibo', true), ('organic', 'Organic', false),
    ('unmapped', 'Unmapped', true);
create table kpi.kpi_channel_daily (date date, channel text, spend numeric);
insert into kpi.kpi_channel_daily values ('2026-03-01', 'douyin', 1), ('2026-03-01', 'unmapped', 0);
create table kpi.kpi_retention_cohorts (signup_date date, cohort_size int, retention_d1 numeric, retention_d7 numeric,
    retention_d30 numeric, retention_within_7d numeric, retention_within_30d numeric);
insert into kpi.kpi_retention_cohorts values ('2026-03-01', 10, 0.5, 0.2, null, 0.7, null);
create table kpi.kpi_daily (date date, dau int, wau int, mau int);
insert into kpi.kpi_daily values ('2026-03-01', 5, 5, 5), ('2026-03-02', 4, 7, 7);
alter table ops.ingest_ledger drop constraint if exists ledger_reconciles;
alter table ops.ingest_ledger add constraint ledger_reconciles
    check (records_read = records_loaded + records_quarantined + records_skipped);
"""


@pytest.fixture
def marts_url(pg_url):
    """Small marts and KPI tables as dbt builds them (the columns of dbt_project/models/marts and kpi), fresh for each test."""
    with psycopg.connect(pg_url) as conn:
        conn.execute(MARTS)
    return pg_url


def test_clean_marts_pass(marts_url):
    gate = check_kpi_marts(marts_url, "run-marts")
    assert gate.success and not gate.failures
    assert len(results(marts_url, "run-marts")) == 13


@pytest.mark.parametrize(
    ("plant", "expected"),
    [
        # the marts' keys are enforced by their tables (dbt's contract and `indexes`): the gate checks that they still are
        ("alter table marts.fct_orders drop constraint fct_orders_pkey", "order_id_unique"),
        ("drop index marts.fct_events_key", "event_id_unique"),
        (
            "create index fct_events_key_part on marts.fct_events (event_id, user_id); drop index marts.fct_events_key",
            "event_id_unique",
        ),
        ("alter table marts.fct_events alter column event_id drop not null", "event_id_not_null"),
        (
            "insert into kpi.kpi_channel_daily values ('2026-03-02', 'myspace', 1)",
            "channel_in_seed_or_organic_unmapped",
        ),
        ("update kpi.kpi_retention_cohorts set retention_d7 = 1.2", "retention_d7_0_to_1"),
        ("update kpi.kpi_daily set wau = 3 where date = '2026-03-02'", "dau_at_most_wau"),
        ("alter table ops.ingest_ledger drop constraint ledger_reconciles", "ledger_reconciles"),
    ],
)
def test_planted_mart_problem_fails_its_critical_expectation(marts_url, plant, expected):
    with psycopg.connect(marts_url) as conn:
        conn.execute(plant)
        alerts_before = conn.execute("select count(*) from ops.alerts").fetchone()

    gate = check_kpi_marts(marts_url, f"run-{expected}")

    assert not gate.success and [r.expectation for r in gate.critical_failures] == [expected]
    assert (False,) in {(row[6],) for row in results(marts_url, f"run-{expected}") if row[4] == expected}
    with psycopg.connect(marts_url) as conn:
        assert conn.execute("select count(*) from ops.alerts").fetchone() == alerts_before, "a gate only judges"


def test_the_kpi_gate_task_alerts_a_critical_failure_then_stops_the_run(marts_url):
    with psycopg.connect(marts_url) as conn:
        conn.execute("update kpi.kpi_retention_cohorts set retention_d7 = 1.2")

    with pytest.raises(QualityGateFailed) as failed:
        tasks.check_kpi_marts(marts_url, "run-task")

    assert [r.expectation for r in failed.value.gate.critical_failures] == ["retention_d7_0_to_1"]
    with psycopg.connect(marts_url) as conn:
        alerted = conn.execute("select rule, subject from ops.alerts where kind = 'alert'").fetchall()
    assert ("critical_check_failed", f"{failed.value.gate.suite}: retention_d7_0_to_1") in alerted
