"""The pipeline skips its dbt build only when the build would read what the last successful one read."""

from __future__ import annotations

import gc

import psycopg
import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk.exceptions import AirflowSkipException
from dbt_common.behavior_flags import BehaviorFlagRendered

from metrics_warehouse import tasks
from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.dbt import in_process
from metrics_warehouse.dbt.manifest import ensure_manifest
from metrics_warehouse.dbt.state import landing_sources_read, project_fingerprint, why_unchanged
from metrics_warehouse.settings import PROJECT_ROOT, load_settings
from metrics_warehouse.warehouse.connection import airflow_connection

LEDGER_ROW = """
insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
    records_read, records_loaded, started_at, finished_at)
values ('load', %s, %s, '2026-11-01', md5(%s), 1, 'loaded', 1, 1, now(), now())
"""


def _deliver(url: str, path: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(LEDGER_ROW, (path.split("/")[0], path, path))


def test_dbt_build_is_skipped_only_when_nothing_changed(fresh_url, monkeypatch) -> None:
    first = tasks.dbt_inputs_changed(fresh_url)
    assert first is not None, "a warehouse never built needs a build"

    tasks.record_dbt_build(fresh_url, first, run_id="run-1")
    assert tasks.dbt_inputs_changed(fresh_url) is None

    _deliver(fresh_url, "events/2026-11-01/a.jsonl")
    after_load = tasks.dbt_inputs_changed(fresh_url)
    assert after_load is not None and after_load["ledger_file_id"] > first["ledger_file_id"]
    assert tasks.dbt_inputs_changed(fresh_url) == after_load, "not built yet: still to do"

    tasks.record_dbt_build(fresh_url, after_load, run_id="run-2")
    assert tasks.dbt_inputs_changed(fresh_url) is None

    with psycopg.connect(fresh_url) as conn:
        conn.execute("update ops.ingest_ledger set held_because = 'nps_score_0_to_10'")
    after_hold = tasks.dbt_inputs_changed(fresh_url)
    assert after_hold is not None and after_hold["held_file_ids"] == [after_load["ledger_file_id"]], (
        "staging reads less"
    )
    tasks.record_dbt_build(fresh_url, after_hold, run_id="run-3")
    assert tasks.dbt_inputs_changed(fresh_url) is None

    monkeypatch.setenv("METRICS_REPORTING_CURRENCY", "USD")
    assert tasks.dbt_inputs_changed(fresh_url) is not None, "a setting the models read changed"


def test_project_fingerprint_follows_settings_the_models_read() -> None:
    base = load_settings({})
    assert project_fingerprint(base) == project_fingerprint(load_settings({}))
    assert project_fingerprint(base) != project_fingerprint(load_settings({"METRICS_REPORTING_TZ": "UTC"}))
    assert project_fingerprint(base) == project_fingerprint(load_settings({"METRICS_LANDING_DIR": "/elsewhere"}))


def test_a_node_reads_the_landing_sources_above_it() -> None:
    manifest = ensure_manifest()
    assert landing_sources_read(manifest, "seed.metrics_warehouse.channels") == frozenset(), (
        "a seed reads the project only"
    )
    assert landing_sources_read(manifest, "model.metrics_warehouse.stg_raw__events") == {"events"}
    assert landing_sources_read(manifest, "model.metrics_warehouse.kpi_survey_monthly") == {"surveys"}
    assert landing_sources_read(manifest, "model.metrics_warehouse.fct_marketing_spend_daily") == {
        "marketing_spend",
        "fx_rates",
    }
    assert landing_sources_read(manifest, "model.metrics_warehouse.stg_ops__ingest_ledger") == set(SOURCE_NAMES), (
        "every source's ledger rows"
    )
    assert landing_sources_read(manifest, "model.metrics_warehouse.kpi_data_quality") is None, (
        "reads the gates' results: due in every run"
    )


def test_a_node_is_skipped_only_when_none_of_its_sources_changed(fresh_url, monkeypatch) -> None:
    everything = {"channels", "stg_raw__events", "kpi_survey_monthly", "kpi_feedback_daily", "kpi_data_quality"}
    unique_ids = {name: f"{'seed' if name == 'channels' else 'model'}.metrics_warehouse.{name}" for name in everything}

    def due() -> set[str]:
        settings, manifest = load_settings(), ensure_manifest()
        return {name for name in everything if why_unchanged(fresh_url, settings, manifest, unique_ids[name]) is None}

    assert due() == everything, "never built: everything is due"
    tasks.record_dbt_build(fresh_url, tasks.dbt_inputs_changed(fresh_url), run_id="run-1")
    assert due() == {"kpi_data_quality"}

    _deliver(fresh_url, "events/2026-11-01/a.jsonl")
    assert due() == {"stg_raw__events", "kpi_data_quality"}, "only what reads events"
    _deliver(fresh_url, "surveys/2026-11-01/nps.csv")
    assert due() == {"stg_raw__events", "kpi_survey_monthly", "kpi_data_quality"}
    tasks.record_dbt_build(fresh_url, tasks.dbt_inputs_changed(fresh_url), run_id="run-2")
    assert due() == {"kpi_data_quality"}

    with psycopg.connect(fresh_url) as conn:
        conn.execute("update ops.ingest_ledger set held_because = 'nps_score_0_to_10' where source = 'surveys'")
    assert due() == {"kpi_survey_monthly", "kpi_data_quality"}, "a hold changes what the survey models read"

    monkeypatch.setenv("METRICS_REPORTING_CURRENCY", "USD")
    assert due() == everything, "a setting the models read changed: every node is due"


def test_a_due_dbt_task_readies_its_process_for_dbt_and_one_not_due_is_skipped_before(fresh_url, monkeypatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_METRICS_WAREHOUSE", airflow_connection(fresh_url))
    bag = DagBag(dag_folder=str(PROJECT_ROOT / "dags" / "metrics_pipeline.py"))
    task = bag.dags["metrics_pipeline"].get_task("dbt.kpi_survey_monthly_model_build")
    installed = BehaviorFlagRendered.__dict__["_default_source"]
    assert installed.__func__.__module__ == "dbt_common.behavior_flags", "parsing the DAG file patched nothing"
    try:
        task._pre_execute_hook({"task": task})  # as the task runner calls it; never built, so due
        assert BehaviorFlagRendered.__dict__["_default_source"].__func__ is in_process._creating_module
        assert gc.get_freeze_count() > 0
    finally:
        BehaviorFlagRendered._default_source = installed
        gc.unfreeze()

    tasks.record_dbt_build(fresh_url, tasks.dbt_inputs_changed(fresh_url), run_id="run-1")
    with pytest.raises(AirflowSkipException, match="kpi_survey_monthly reads surveys: nothing new"):
        task._pre_execute_hook({"task": task})
    assert BehaviorFlagRendered.__dict__["_default_source"] is installed
