"""Incremental facts equal a full refresh, whatever the sequence of runs; a backfill rebuilds exactly its date range.

Raw rows are inserted straight into raw.* and ops.ingest_ledger (as ingestion would), in batches, then the real
dbt project runs against the test database: incremental builds, a run with nothing new, a full refresh and a backfill.
The whole project (the KPI layer too) is then built the same way with a third batch of late data, table by table equal
to a full refresh.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import psycopg
import pytest
from psycopg.types.json import Jsonb

from metrics_warehouse.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from metrics_warehouse.warehouse import connection

DBT = str(PROJECT_ROOT / ".venv" / "bin" / "dbt")
# Only this layer's models: the KPI layer is tested on its own.
SELECTION = ["--select", "path:models/staging", "path:models/intermediate", "path:models/marts", "path:seeds"]
COMPARED_TABLES = [
    "marts.fct_events",
    "marts.fct_orders",
    "marts.fct_refunds",
    "marts.fct_feedback",
    "marts.fct_survey_responses",
    "marts.fct_marketing_spend_daily",
    "marts.dim_users",
    "marts.dim_channels",
    "marts.dim_dates",
    "marts.fct_user_active_days",
    "marts.fct_duplicates_removed",
    "marts.fct_money_events",
    "intermediate.int_fx_rates_resolved",
]
SHANGHAI = timezone(timedelta(hours=8))


@dataclass
class RawFile:
    """One landing file: its ledger row and the raw rows it loaded."""

    source: str
    delivery_date: date
    rows: list[dict] = field(default_factory=list)


def _insert(conn: psycopg.Connection, files: list[RawFile]) -> list[int]:
    """Insert files as ingestion would: a ledger row, then the raw rows numbered by line; returns the file ids."""
    file_ids = []
    load_id = uuid.uuid4().hex
    for raw_file in files:
        now = datetime.now(UTC)
        file_id = conn.execute(
            """insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
                   records_read, records_loaded, started_at, finished_at)
               values (%s, %s, %s, %s, %s, 1, 'loaded', %s, %s, %s, %s) returning file_id""",
            (
                load_id,
                raw_file.source,
                f"{raw_file.source}/{raw_file.delivery_date}/{uuid.uuid4().hex}.csv",
                raw_file.delivery_date,
                uuid.uuid4().hex,
                len(raw_file.rows),
                len(raw_file.rows),
                now,
                now,
            ),
        ).fetchone()[0]
        for line_number, row in enumerate(raw_file.rows, start=1):
            columns = ["file_id", "line_number", *row]
            values = [file_id, line_number, *(Jsonb(v) if isinstance(v, dict) else v for v in row.values())]
            conn.execute(
                f"insert into raw.{raw_file.source} ({', '.join(columns)}) values ({', '.join(['%s'] * len(values))})",
                values,
            )
        file_ids.append(file_id)
    conn.commit()
    return file_ids


def _event(event_id: str, name: str, at: datetime | int | str, user_id: str | None, **fields) -> dict:
    event_time = at.isoformat() if isinstance(at, datetime) else str(at)
    payload = {"event_id": event_id, "event_name": name, "event_time": event_time, "user_id": user_id, **fields}
    return {"event_id": event_id, "event_name": name, "event_time": event_time, "user_id": user_id, "payload": payload}


def _daily_events(day: date, users: range) -> list[dict]:
    """A few ordinary events per user and day, spread over the Shanghai day."""
    rows = []
    for user in users:
        at = datetime(day.year, day.month, day.day, 1 + user % 20, 7 * user % 60, tzinfo=SHANGHAI)
        rows.append(_event(f"{day}-u{user}-login", "login", at, f"u{user}", platform=" iOS "))
        rows.append(
            _event(
                f"{day}-u{user}-feature",
                "feature_use",
                int((at + timedelta(minutes=5)).timestamp() * 1000),
                f"u{user}",
                properties={"feature": ["search", "cart", "share"][user % 3]},
            )
        )
        if user % 4 == 0:
            rows.append(
                _event(
                    f"{day}-u{user}-purchase",
                    "purchase",
                    at + timedelta(minutes=30),
                    f"u{user}",
                    properties={"order_id": f"o-{day}-{user}", "amount": "1,299.50", "currency": "USD", "cost": 400},
                )
            )
    return rows


def batch_one() -> list[RawFile]:
    events = RawFile("events", date(2026, 11, 2))
    for offset in range(4):
        events.rows += _daily_events(date(2026, 10, 29) + timedelta(days=offset), range(1, 13))
    events.rows += [
        _event("signup-u1", "signup", datetime(2026, 10, 29, 9, tzinfo=SHANGHAI), "u1", utm_source=" 抖音 "),
        _event("signup-u2", "signup", datetime(2026, 10, 29, 9, tzinfo=SHANGHAI), "u2", utm_source=""),
        _event("signup-u3", "signup", datetime(2026, 10, 30, 9, tzinfo=SHANGHAI), "u3", utm_source="快手"),
        _event("dup-in-file", "page_view", datetime(2026, 11, 1, 9, tzinfo=SHANGHAI), "u5"),
        _event("dup-in-file", "page_view", datetime(2026, 11, 1, 10, tzinfo=SHANGHAI), "u5"),
        _event("found-late-copy", "login", datetime(2026, 11, 1, 12, tzinfo=SHANGHAI), "u6"),
        _event(
            "refund-1",
            "refund",
            "2026-11-01T20:00:00",
            "u4",
            properties={"order_id": "o-2026-10-29-4", "amount": "99.5", "currency": "USD"},
        ),
    ]
    feedback = RawFile("feedback", date(2026, 11, 2))
    feedback.rows = [
        {
            "feedback_id": "f1",
            "user_id": "u1",
            "created_at": "2026-11-01 10:00:00",
            "channel": "应用内",
            "category": "投诉",
            "rating": "2",
            "content": "call me 13800138000",
            "status": "open",
        },
        {
            "feedback_id": "f2",
            "created_at": "2026-10-31T23:30:00Z",
            "channel": "email",
            "category": "Bug",
            "rating": "",
        },
    ]
    surveys = RawFile("surveys", date(2026, 11, 2))
    surveys.rows = [
        {
            "response_id": "r1",
            "survey_id": "nps",
            "user_id": "u1",
            "submitted_at": "2026-11-01 08:00",
            "nps_score": "9",
        },
        {
            "response_id": "r2",
            "survey_id": "nps",
            "user_id": "u2",
            "submitted_at": "2026-11-01 08:00",
            "nps_score": "3",
        },
    ]
    spend = RawFile("marketing_spend", date(2026, 11, 2))
    spend.rows = [
        {"date": "2026-10-31", "channel": "抖音", "campaign_id": "c1", "spend": "¥12,345.60", "impressions": "1,000"},
        {"date": "2026-11-01", "channel": "gdt", "campaign_id": "c2", "spend": "$100", "currency": "USD"},
    ]
    fx_rates = RawFile("fx_rates", date(2026, 11, 2))
    fx_rates.rows = [{"date": "2026-10-30", "currency": "USD", "rate": "7.10"}]
    return [events, feedback, surveys, spend, fx_rates]


def batch_two() -> list[RawFile]:
    events = RawFile("events", date(2026, 11, 3))
    events.rows = _daily_events(date(2026, 11, 2), range(1, 15))
    events.rows += [
        # a client retry: same event_id, another event_time; the first delivered copy stays
        _event("signup-u1", "signup", datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), "u1", utm_source="weibo"),
        # a retried purchase with a new event_id: a clean event, not a second order
        _event(
            "retry-purchase",
            "purchase",
            datetime(2026, 10, 29, 23, tzinfo=SHANGHAI),
            "u4",
            properties={"order_id": "o-2026-10-29-4", "amount": 1, "currency": "CNY"},
        ),
        # older than the lookback window (as is the retry above): still exact in fct_events, and warned about
        _event("very-late", "login", datetime(2026, 10, 20, 9, tzinfo=SHANGHAI), "u13"),
        _event("signup-u14", "signup", datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), "u14"),
    ]
    # found late: delivered (dated) before batch one's file, so its copy wins although loaded later
    found_late = RawFile("events", date(2026, 11, 1))
    found_late.rows = [_event("found-late-copy", "login", datetime(2026, 10, 31, 12, tzinfo=SHANGHAI), "u6")]
    feedback = RawFile("feedback", date(2026, 11, 3))
    feedback.rows = [
        {
            "feedback_id": "f1",
            "user_id": "u1",
            "created_at": "2026-11-01 10:00:00",
            "channel": "应用内",
            "category": "投诉",
            "rating": "2",
            "content": "mail a@b.cn",
            "status": "resolved",
            "first_response_at": "2026-11-01 10:01:30",
            "resolved_at": "2026-11-01 11:30:00",
        },
    ]
    surveys = RawFile("surveys", date(2026, 11, 3))
    surveys.rows = [
        {"response_id": "r2", "survey_id": "nps", "user_id": "u2", "submitted_at": "2026-11-01 08:00", "nps_score": ""}
    ]
    spend = RawFile("marketing_spend", date(2026, 11, 3))
    spend.rows = [{"date": "2026-10-31", "channel": "抖音", "campaign_id": "c1", "spend": "¥10,000"}]
    fx_rates = RawFile("fx_rates", date(2026, 11, 3))
    fx_rates.rows = [{"date": "2026-11-02", "currency": "USD", "rate": "7.20"}]
    return [events, found_late, feedback, surveys, spend, fx_rates]


def batch_three() -> list[RawFile]:
    """A new day, and late data for old dates: a purchase and a login long before the lookback, an fx rate that
    reprices the USD purchases of 10-29."""
    events = RawFile("events", date(2026, 11, 4))
    events.rows = _daily_events(date(2026, 11, 3), range(2, 16))
    order = {"order_id": "o-late", "amount": 50, "currency": "USD"}
    events.rows += [
        _event("late-purchase", "purchase", datetime(2026, 10, 21, 10, tzinfo=SHANGHAI), "u3", properties=order),
        _event("late-login", "login", datetime(2026, 10, 22, 10, tzinfo=SHANGHAI), "u2"),
    ]
    fx_rates = RawFile("fx_rates", date(2026, 11, 4))
    fx_rates.rows = [{"date": "2026-10-29", "currency": "USD", "rate": "7.00"}]
    # the rates first: the KPI tables' watermark (the newest events file) then covers them, so batch four reads no
    # file of batch three again
    return [fx_rates, events]


def batch_four() -> list[RawFile]:
    """A new day that changes older days through descriptions only: u5, active since 10-29 without a signup, signs up
    (its past activity moves from 'unregistered' to its channel), and an earlier copy of a 10-29 order's purchase, on
    another platform, makes the order one of 10-28 (and re-describes its refund of 11-01)."""
    events = RawFile("events", date(2026, 11, 5))
    events.rows = _daily_events(date(2026, 11, 4), range(2, 16))
    events.rows += [
        _event("signup-u5", "signup", datetime(2026, 11, 4, 8, tzinfo=SHANGHAI), "u5", utm_source="抖音"),
        _event(
            "earlier-copy",
            "purchase",
            datetime(2026, 10, 28, 22, tzinfo=SHANGHAI),
            "u4",
            platform="android",
            properties={"order_id": "o-2026-10-29-4", "amount": 3, "currency": "CNY"},
        ),
    ]
    return [events]


def batch_five() -> list[RawFile]:
    """A new day, the last of November, and a copy found late of 11-02: the tables of periods recompute November only
    (its month and weeks); the month, now complete, needs October's activity (churn, previous_active_users)."""
    events = RawFile("events", date(2026, 12, 1))
    events.rows = _daily_events(date(2026, 11, 30), range(3, 10))
    # found late, dated before batch two's file: this copy of u14's signup wins, as a login; u14 is no longer registered
    found_late = RawFile("events", date(2026, 11, 2))
    found_late.rows = [_event("signup-u14", "login", datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), "u14")]
    return [events, found_late]


def batch_six() -> list[RawFile]:
    """Only a late login of u1 on 11-20, day 22 of u1's cohort (10-29), which is more than 30 days before the last
    build's as_of_date: the retention curve recomputes the cohorts up to 30 days before the changed date."""
    late = RawFile("events", date(2026, 12, 2))
    late.rows = [_event("late-u1-login", "login", datetime(2026, 11, 20, 9, tzinfo=SHANGHAI), "u1")]
    return [late]


@dataclass
class Dbt:
    url: str
    target_path: Path
    selection: list[str] = field(default_factory=lambda: SELECTION)

    def __call__(self, *args: str, succeed: bool = True) -> str:
        env = {
            **os.environ,
            **connection.dbt_env(self.url),
            "DBT_TARGET_PATH": str(self.target_path),
            "DBT_LOG_PATH": str(self.target_path / "logs"),
            "DBT_USE_COLORS": "false",
        }
        command = [DBT, *args, "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
        assert (result.returncode == 0) == succeed, result.stdout[-6000:] + result.stderr[-2000:]
        return result.stdout

    def build(self, *args: str, succeed: bool = True) -> str:
        return self(
            "build",
            *self.selection,
            "--indirect-selection",
            "cautious",
            "--exclude-resource-type",
            "unit_test",
            *args,
            succeed=succeed,
        )


def _snapshot(url: str) -> dict[str, list[tuple]]:
    with connection.connect(url) as conn:
        return {
            table: sorted(tuple(map(repr, row)) for row in conn.execute(f"select * from {table}").fetchall())
            for table in COMPARED_TABLES
        }


@pytest.fixture(scope="module")
def dbt(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> Dbt:
    return Dbt(pg_url, tmp_path_factory.mktemp("dbt_target"))


@pytest.fixture(scope="module")
def incremental_snapshot(pg_url: str, dbt: Dbt) -> dict[str, list[tuple]]:
    """Batch one, a first build, batch two, an incremental build and a build with nothing new."""
    with connection.connect(pg_url) as conn:
        _insert(conn, batch_one())
    dbt.build()
    with connection.connect(pg_url) as conn:
        _insert(conn, batch_two())
    output = dbt.build()
    warnings = [line for line in output.splitlines() if " WARN " in line]
    assert len(warnings) == 1 and "WARN 2 assert_no_events_later_than_lookback" in warnings[0], warnings
    log = (dbt.target_path / "logs" / "dbt.log").read_text()
    assert re.search(r'delete from "[^"]+"\."marts"\."fct_events"', log), "fct_events did not run incrementally"
    dbt.build()
    return _snapshot(pg_url)


def test_incremental_runs_equal_a_full_refresh(pg_url: str, dbt: Dbt, incremental_snapshot: dict) -> None:
    dbt.build("--full-refresh")
    full = _snapshot(pg_url)
    assert incremental_snapshot.keys() == full.keys()
    for table in COMPARED_TABLES:
        assert incremental_snapshot[table] == full[table], table
    assert len(full["marts.fct_events"]) == 148  # 151 raw records minus 3 later copies


def test_clean_events_follow_delivery_order(pg_url: str, incremental_snapshot: dict) -> None:
    with connection.connect(pg_url) as conn:
        events = dict(conn.execute("select event_id, event_date from marts.fct_events").fetchall())
        copies = conn.execute("select count(*) from raw.events where event_id = 'signup-u1'").fetchone()[0]
        orders = dict(conn.execute("select order_id, event_id from marts.fct_orders").fetchall())
        users = {r[0]: r[1:] for r in conn.execute("select user_id, channel, signup_date from marts.dim_users")}
    assert copies == 2 and events["signup-u1"] == date(2026, 10, 29)
    assert events["found-late-copy"] == date(2026, 10, 31)
    assert events["very-late"] == date(2026, 10, 20)
    assert orders["o-2026-10-29-4"] == "2026-10-29-u4-purchase"
    assert "retry-purchase" in events
    assert users["u1"] == ("douyin", date(2026, 10, 29))
    assert users["u2"] == ("organic", date(2026, 10, 29))
    assert users["u3"] == ("unmapped", date(2026, 10, 30))
    assert users["u14"] == ("organic", date(2026, 11, 2))
    assert users["u13"] == (None, None)


def test_latest_delivery_wins_and_duplicates_are_counted(pg_url: str, incremental_snapshot: dict) -> None:
    with connection.connect(pg_url) as conn:
        feedback = conn.execute(
            "select status, content, first_response_minutes from marts.fct_feedback where feedback_id = 'f1'"
        ).fetchone()
        nps = conn.execute("select nps_score from marts.fct_survey_responses where response_id = 'r2'").fetchone()[0]
        spend = conn.execute(
            "select spend, spend_reporting from marts.fct_marketing_spend_daily where campaign_id = 'c1'"
        ).fetchall()
        gdt = conn.execute(
            "select channel, fx_rate from marts.fct_marketing_spend_daily where campaign_id = 'c2'"
        ).fetchone()
        removed = {
            (r[0], r[1]): r[2]
            for r in conn.execute("select delivery_date, source, duplicates_removed from marts.fct_duplicates_removed")
        }
    assert feedback == ("resolved", "mail [email]", 1.5)
    assert nps is None
    assert [(float(s), float(r)) for s, r in spend] == [(10000.0, 10000.0)]
    assert gdt[0] == "tencent_ads" and float(gdt[1]) == 7.1
    # events: the in-file copy and the signup retry on 11-03; batch one's copy of found-late-copy on 11-02
    assert removed[(date(2026, 11, 2), "events")] == 2
    assert removed[(date(2026, 11, 3), "events")] == 1
    assert removed[(date(2026, 11, 1), "events")] == 0
    assert removed[(date(2026, 11, 2), "feedback")] == 1
    assert removed[(date(2026, 11, 2), "surveys")] == 1
    assert removed[(date(2026, 11, 2), "marketing_spend")] == 1


def test_backfill_rebuilds_exactly_its_range(pg_url: str, dbt: Dbt, incremental_snapshot: dict) -> None:
    expected = _snapshot(pg_url)["marts.fct_events"]
    with connection.connect(pg_url) as conn:
        # damage days inside the range (rows lost, rows changed) and a day outside it
        conn.execute("delete from marts.fct_events where event_date = '2026-10-30'")
        conn.execute("update marts.fct_events set app_version = 'tampered' where event_date = '2026-10-29'")
        # a row whose raw records are gone (e.g. a purged file): only the backfill's range delete removes it
        conn.execute(
            """insert into marts.fct_events (event_id, event_name, event_at, event_date, is_activity, file_id)
               values ('purged', 'login', '2026-10-31 12:00+08', '2026-10-31', true, 1)"""
        )
        tampered_outside = conn.execute(
            "update marts.fct_events set app_version = 'tampered' where event_date = '2026-11-02'"
        ).rowcount
        conn.commit()
    dbt.build("--vars", "{backfill_start: '2026-10-29', backfill_end: '2026-10-31'}")
    with connection.connect(pg_url) as conn:
        still_tampered = conn.execute(
            "update marts.fct_events set app_version = null where app_version = 'tampered' returning event_date"
        ).fetchall()
        conn.commit()
    assert tampered_outside > 0
    assert still_tampered == [(date(2026, 11, 2),)] * tampered_outside
    assert _snapshot(pg_url)["marts.fct_events"] == expected


def _table_hashes(url: str, schemas: tuple[str, ...]) -> dict[str, str]:
    """md5 of each table's rows as text, in order, for every table of `schemas`."""
    with connection.connect(url) as conn:
        tables = [
            f"{schema}.{name}"
            for schema, name in conn.execute(
                "select schemaname, tablename from pg_tables where schemaname = any(%s) order by 1, 2", (list(schemas),)
            )
        ]
        return {
            table: conn.execute(
                f"select md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from {table} as t"
            ).fetchone()[0]
            for table in tables
        }


def test_staged_event_tests_check_the_rows_fct_events_has_not_read(fresh_url: str, tmp_path: Path) -> None:
    dbt = Dbt(fresh_url, tmp_path / "dbt_target")
    with connection.connect(fresh_url) as conn:
        _insert(conn, batch_one())
    dbt.build()
    unreadable = {"event_at": None, "event_time": "not a time"}
    with connection.connect(fresh_url) as conn:
        # a losing copy, read already: fct_events does not take it again, and its tests do not check it again
        conn.execute(
            """update raw.events set event_at = null, event_time = %(event_time)s
               where event_id = 'dup-in-file' and line_number = (
                   select max(line_number) from raw.events where event_id = 'dup-in-file')""",
            unreadable,
        )
        conn.commit()
    dbt.build()
    late = RawFile("events", date(2026, 11, 3))
    late.rows = [{**_event("bad-time", "login", datetime(2026, 11, 2, 9, tzinfo=SHANGHAI), "u1"), **unreadable}]
    with connection.connect(fresh_url) as conn:
        _insert(conn, [late])
    output = dbt.build(succeed=False)
    assert re.search(r"FAIL 1 not_null_stg_raw__events_event_at", output), output[-3000:]


def test_kpi_layer_incremental_equals_a_full_refresh(fresh_url: str, tmp_path: Path) -> None:
    dbt = Dbt(fresh_url, tmp_path / "dbt_target", selection=[])
    for batch in (batch_one(), batch_two(), batch_three(), batch_four(), batch_five(), batch_six()):
        with connection.connect(fresh_url) as conn:
            _insert(conn, batch)
        dbt.build()
    dbt.build()
    log = (dbt.target_path / "logs" / "dbt.log").read_text()
    incremental_models = (
        "marts.fct_user_active_days",
        "marts.fct_money_events",
        "marts.fct_money_by_period",
        "marts.fct_duplicates_removed",
        "marts.dim_user_cohorts",
        "kpi.kpi_daily",
        "kpi.kpi_segments_daily",
        "kpi.kpi_periodic",
        "kpi.kpi_retention_curve",
    )
    for model in incremental_models:
        quoted = r"\.".join(f'"{part}"' for part in model.split("."))
        assert re.search(rf'delete from "[^"]+"\.{quoted}', log), f"{model} did not run incrementally"
    incremental = _table_hashes(fresh_url, ("marts", "kpi"))
    with connection.connect(fresh_url) as conn:
        late = conn.execute(
            """select (select count(*) from marts.fct_money_events where event_id = 'late-purchase'),
                      (select count(*) from marts.fct_user_active_days
                       where user_id = 'u2' and activity_date = '2026-10-22'),
                      (select array_agg(distinct fx_rate) from marts.fct_money_events
                       where event_date = '2026-10-29' and currency = 'USD')"""
        ).fetchone()
        described = conn.execute(
            """select (select numerator from kpi.kpi_segments_daily where date = '2026-10-29' and metric = 'dau'
                          and dimension = 'channel' and segment = 'douyin'),
                      (select numerator from kpi.kpi_segments_daily where date = '2026-10-28' and metric = 'orders'
                          and dimension = 'platform' and segment = 'android')"""
        ).fetchone()
    assert late == (1, 1, [7])  # 7.00 from batch three's rate, not 7.10
    assert described == (2, 1)  # u1 and u5 (signed up in batch four); the order's earlier copy

    dbt.build("--full-refresh")
    full = _table_hashes(fresh_url, ("marts", "kpi"))
    assert {table for table in full if table.startswith("kpi.")} >= {"kpi.kpi_daily", "kpi.kpi_segments_daily"}
    assert incremental.keys() == full.keys()
    assert [table for table in full if incremental[table] != full[table]] == []
