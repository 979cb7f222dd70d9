"""Releasing a file the real raw gate held back, through the command line: the hold is lifted with an audit trail,
the next dbt build is due, the file_held alert recovers; every refusal is one line naming the path."""

from __future__ import annotations

import getpass
import json
import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from test_dbt_incremental import Dbt
from test_quality_gates import DAY1, DAY2, add_file, survey

from metrics_warehouse import tasks
from metrics_warehouse.__main__ import main
from metrics_warehouse.alerting import engine
from metrics_warehouse.quality import suites
from metrics_warehouse.quality.gates import check_raw_batch

GOOD, BAD = f"surveys/{DAY1}/good.csv", f"surveys/{DAY2}/bad.csv"


@pytest.fixture
def warehouse(fresh_url, monkeypatch):
    """Two survey files through the real raw gate's task: bad.csv (an NPS of 11) held and alerted, good.csv passed."""
    with psycopg.connect(fresh_url) as conn:
        add_file(conn, "good", "surveys", DAY1, [survey(1), survey(2)])
        add_file(conn, "bad", "surveys", DAY2, [survey(3), survey(4, nps="11")])
    tasks.check_raw(fresh_url, "surveys", "run-hold")
    monkeypatch.setenv("METRICS_WAREHOUSE_URL", fresh_url)
    return fresh_url


def cli(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().out.splitlines()


def file_held_alerts(url: str, now: datetime) -> list[tuple[str, str]]:
    return [(o.kind, o.subject) for o in engine.evaluate(url, now=now) if o.rule == "file_held"]


def open_alerts(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select rule, subject from ops.alert_state where status = 'open' and rule = 'file_held'"
        ).fetchall()


def ledger(url: str, path: str) -> tuple:
    with psycopg.connect(url) as conn:
        return conn.execute("select file_id, held_because from ops.ingest_ledger where path = %s", (path,)).fetchone()


def test_release_lifts_the_hold_keeps_who_when_why_and_makes_the_next_build_due(warehouse, capsys):
    bad_id, because = ledger(warehouse, BAD)
    assert because == "nps_score_0_to_10"
    code, out = cli(capsys, "held")
    assert code == 0 and len(out) == 1 and out[0].startswith(f"{BAD}\tdelivery {DAY2}\theld since ")
    assert out[0].endswith("\tnps_score_0_to_10")

    built = tasks.dbt_inputs_changed(warehouse)
    assert built["held_file_ids"] == [bad_id]
    tasks.record_dbt_build(warehouse, built, run_id="run-hold")
    assert tasks.dbt_inputs_changed(warehouse) is None
    assert open_alerts(warehouse) == [("file_held", BAD)], "the gate's task raised it"

    code, out = cli(capsys, "release", BAD, "--reason", "11 is the survey tool's 'no answer'", "--by", "alice")

    assert code == 0
    assert out == [f"released {BAD} (held because nps_score_0_to_10) by alice: the next run's build includes it"]
    assert ledger(warehouse, BAD) == (bad_id, None)
    with psycopg.connect(warehouse) as conn:
        [(file_id, released_at, by, reason, held_because)] = conn.execute(
            "select file_id, released_at, released_by, reason, held_because from ops.file_releases"
        ).fetchall()
    assert (file_id, by, reason, held_because) == (bad_id, "alice", "11 is the survey tool's 'no answer'", because)
    assert abs(released_at - datetime.now(UTC)) < timedelta(minutes=5)

    due = tasks.dbt_inputs_changed(warehouse)
    assert due is not None and due["held_file_ids"] == [] and due["ledger_file_id"] == built["ledger_file_id"]
    code, out = cli(capsys, "held")
    assert out == ["no file is held back from the marts"]
    now = datetime.now(UTC)
    assert file_held_alerts(warehouse, now) == [("recovery", BAD)]
    assert file_held_alerts(warehouse, now + timedelta(hours=1)) == []
    assert open_alerts(warehouse) == []


def test_unknown_not_held_and_already_released_paths_get_one_line_and_exit_1(warehouse, capsys):
    assert cli(capsys, "release", "surveys/2026-03-09/nope.csv", "--reason", "x") == (
        1,
        ["surveys/2026-03-09/nope.csv: no such file in ops.ingest_ledger (paths are relative to the landing root)"],
    )
    assert cli(capsys, "release", GOOD, "--reason", "x") == (
        1,
        [f"{GOOD}: not held (the raw gate did not hold it back)"],
    )
    assert cli(capsys, "release", BAD, "--reason", "  ") == (1, [f"{BAD}: say why it is released (--reason)"])
    assert ledger(warehouse, BAD)[1] == "nps_score_0_to_10", "a refused release changes nothing"

    assert cli(capsys, "release", BAD, "--reason", "accepted")[0] == 0
    code, [line] = cli(capsys, "release", BAD, "--reason", "again")
    assert code == 1
    assert line.startswith(f"{BAD}: already released on ") and line.endswith(f" by {getpass.getuser()}: accepted")
    with psycopg.connect(warehouse) as conn:
        assert conn.execute("select count(*) from ops.file_releases").fetchone() == (1,)


def test_a_file_not_validated_yet_is_not_held(warehouse, capsys):
    with psycopg.connect(warehouse) as conn:
        add_file(conn, "new", "surveys", DAY2, [survey(5)])
    path = f"surveys/{DAY2}/new.csv"
    assert cli(capsys, "release", path, "--reason", "x") == (
        1,
        [f"{path}: not held (not validated yet: the next run's raw gate judges it)"],
    )


def test_a_full_path_under_the_landing_root_names_the_ledger_path(warehouse, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("METRICS_LANDING_DIR", str(tmp_path))
    assert cli(capsys, "release", str(tmp_path / BAD), "--reason", "accepted")[0] == 0
    assert ledger(warehouse, BAD)[1] is None


def test_recheck_releases_only_when_the_raw_checks_now_pass(warehouse, capsys, monkeypatch, tmp_path):
    code, out = cli(capsys, "release", BAD, "--recheck", "--reason", "rows checked")
    assert (code, out) == (1, [f"{BAD}: still held, raw_surveys fails nps_score_0_to_10"])
    assert ledger(warehouse, BAD)[1] == "nps_score_0_to_10"

    # The expectation is changed: this survey tool's NPS scale runs to 11.
    suite = (suites.EXPECTATIONS_DIR / "raw_surveys.py").read_text()
    assert "min_value=0, max_value=10" in suite
    (tmp_path / "raw_surveys.py").write_text(suite.replace("min_value=0, max_value=10", "min_value=0, max_value=11"))
    monkeypatch.setattr(suites, "EXPECTATIONS_DIR", tmp_path)

    code, out = cli(capsys, "release", BAD, "--recheck", "--reason", "NPS runs to 11", "--by", "bob")

    assert code == 0 and out[0].startswith(f"released {BAD} (held because nps_score_0_to_10) by bob")
    assert ledger(warehouse, BAD)[1] is None
    with psycopg.connect(warehouse) as conn:
        [(reason,)] = conn.execute("select reason from ops.file_releases").fetchall()
        rechecked = conn.execute(
            "select bool_and(success), count(*) from ops.quality_results where run_id = %s", (reason.split()[1],)
        ).fetchone()
    assert reason.startswith("recheck recheck__") and reason.endswith(" passed: NPS runs to 11")
    assert rechecked[0] is True and rechecked[1] > 0


def event(event_id: str, name: str, day: str, **properties) -> tuple:
    at = f"{day}T09:00:00+08:00"
    payload = {"event_id": event_id, "event_name": name, "event_time": at, "user_id": "u1", "properties": properties}
    return (event_id, name, at, "u1", json.dumps(payload))


def test_a_released_events_file_reaches_the_incremental_facts(fresh_url, capsys, monkeypatch, tmp_path):
    """fct_events and the incremental models after it read new files by file_id: a released file is older than the
    newest they read, and still goes in (outside the lookback window, which would otherwise rebuild its date)."""
    monkeypatch.setenv("METRICS_WAREHOUSE_URL", fresh_url)
    dbt = Dbt(fresh_url, tmp_path)
    build = ("build", "--select", "+fct_user_active_days", "--exclude-resource-type", "test", "unit_test",
             "--vars", "{lookback_days: 0}")  # fmt: skip

    def active_days() -> list[str]:
        with psycopg.connect(fresh_url) as conn:
            rows = conn.execute("select activity_date::text from marts.fct_user_active_days order by 1").fetchall()
            return [row[0] for row in rows]

    def fct_events() -> list[str]:
        with psycopg.connect(fresh_url) as conn:
            return [row[0] for row in conn.execute("select event_id from marts.fct_events order by event_id")]

    def deliver(name: str, day: str, rows: list[tuple]) -> None:
        with psycopg.connect(fresh_url) as conn:
            add_file(conn, name, "events", datetime.fromisoformat(day).date(), rows)
        check_raw_batch(fresh_url, "events", f"run-{name}")

    deliver("a", "2026-11-01", [event("a1", "login", "2026-11-01")])
    dbt(*build)
    deliver("b", "2026-11-02", [event("b1", "login", "2026-11-02"), event("b2", "purchase", "2026-11-02")])
    deliver("c", "2026-11-03", [event("c1", "login", "2026-11-03")])
    assert ledger(fresh_url, "events/2026-11-02/b.csv")[1] == "purchase_refund_amount_is_number"
    dbt(*build)
    assert fct_events() == ["a1", "c1"]
    assert active_days() == ["2026-11-01", "2026-11-03"]

    assert cli(capsys, "release", "events/2026-11-02/b.csv", "--reason", "a free purchase has no amount")[0] == 0
    dbt(*build)

    assert fct_events() == ["a1", "b1", "b2", "c1"]
    assert active_days() == ["2026-11-01", "2026-11-02", "2026-11-03"]
    log = (tmp_path / "logs" / "dbt.log").read_text()
    for model in ("fct_events", "fct_user_active_days"):
        assert re.search(rf'delete from "[^"]+"\."marts"\."{model}"', log), f"{model} ran incrementally"
