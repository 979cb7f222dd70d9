"""The pipeline skips its dbt build only when the build would read what the last successful one read."""

from __future__ import annotations

import psycopg

from metrics_warehouse import orchestration
from metrics_warehouse.dbt_state import project_fingerprint
from metrics_warehouse.settings import load_settings

LEDGER_ROW = """
insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
    records_read, records_loaded, started_at, finished_at)
values ('load', 'events', %s, '2026-11-01', md5(%s), 1, 'loaded', 1, 1, now(), now())
"""


def _deliver(url: str, path: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(LEDGER_ROW, (path, path))


def test_dbt_build_is_skipped_only_when_nothing_changed(fresh_url, monkeypatch) -> None:
    first = orchestration.dbt_inputs_changed(fresh_url)
    assert first is not None, "a warehouse never built needs a build"

    orchestration.record_dbt_build(fresh_url, first, run_id="run-1")
    assert orchestration.dbt_inputs_changed(fresh_url) is None

    _deliver(fresh_url, "events/2026-11-01/a.jsonl")
    after_load = orchestration.dbt_inputs_changed(fresh_url)
    assert after_load is not None and after_load["ledger_file_id"] > first["ledger_file_id"]
    assert orchestration.dbt_inputs_changed(fresh_url) == after_load, "not built yet: still to do"

    orchestration.record_dbt_build(fresh_url, after_load, run_id="run-2")
    assert orchestration.dbt_inputs_changed(fresh_url) is None

    with psycopg.connect(fresh_url) as conn:
        conn.execute("update ops.ingest_ledger set held_because = 'nps_score_0_to_10'")
    after_hold = orchestration.dbt_inputs_changed(fresh_url)
    assert after_hold is not None and after_hold["held_file_ids"] == [after_load["ledger_file_id"]], (
        "staging reads less"
    )
    orchestration.record_dbt_build(fresh_url, after_hold, run_id="run-3")
    assert orchestration.dbt_inputs_changed(fresh_url) is None

    monkeypatch.setenv("METRICS_REPORTING_CURRENCY", "USD")
    assert orchestration.dbt_inputs_changed(fresh_url) is not None, "a setting the models read changed"


def test_project_fingerprint_follows_settings_the_models_read() -> None:
    base = load_settings({})
    assert project_fingerprint(base) == project_fingerprint(load_settings({}))
    assert project_fingerprint(base) != project_fingerprint(load_settings({"METRICS_REPORTING_TZ": "UTC"}))
    assert project_fingerprint(base) == project_fingerprint(load_settings({"METRICS_LANDING_DIR": "/elsewhere"}))
