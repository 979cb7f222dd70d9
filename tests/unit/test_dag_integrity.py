"""Every DAG file imports cleanly, and every DAG has tags, an owner and retries."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.serialization.serialized_objects import DagSerialization
from airflow.timetables.base import TimeRestriction

from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.dbt.manifest import ensure_manifest

DAGS_DIR = Path(__file__).resolve().parents[2] / "dags"


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    ensure_manifest()  # a rebuild (dbt parse) would count against the DagBag import timeout otherwise
    return DagBag(dag_folder=str(DAGS_DIR))


def test_every_dag_file_imports(dagbag: DagBag) -> None:
    assert dagbag.import_errors == {}
    assert {"metrics_pipeline", "metrics_checks"} <= set(dagbag.dag_ids)


def test_every_dag_has_tags_owner_and_retries(dagbag: DagBag) -> None:
    for dag_id, dag in dagbag.dags.items():
        assert dag.tags, f"{dag_id} has no tags"
        assert dag.doc_md, f"{dag_id} has no documentation"
        for task in dag.tasks:
            assert task.retries >= 1, f"{dag_id}.{task.task_id} has no retries"
            assert task.owner and task.owner != "airflow", f"{dag_id}.{task.task_id} has no owner"


def test_main_dag_renders_every_dbt_model_as_a_task(dagbag: DagBag) -> None:
    dag = dagbag.dags["metrics_pipeline"]
    # Cosmos with TestBehavior.BUILD names a model's task dbt.<model>_model_build (dbt build: model + its tests).
    rendered = {
        t.task_id.removeprefix("dbt.").removesuffix("_model_build")
        for t in dag.tasks
        if t.task_id.startswith("dbt.") and t.task_id.endswith("_model_build")
    }
    models = {p.stem for p in (DAGS_DIR.parent / "dbt_project" / "models").rglob("*.sql")}
    assert models <= rendered, f"models without a task: {sorted(models - rendered)}"
    for source in SOURCE_NAMES:
        ingest = dag.get_task(f"ingest_{source}")
        assert [a.name for a in ingest.outlets] == [f"raw.{source}"]


def test_each_dbt_task_selects_its_own_node_alone(dagbag: DagBag) -> None:
    # Cosmos selects by `fqn:<project>.<name>`. Another resource whose fqn starts the same (an exposure named like a
    # seed) would be selected too, and dbt's buildable tests would then run with its whole upstream, before it exists.
    manifest = json.loads(ensure_manifest().read_text(encoding="utf-8"))
    fqns = {
        unique_id: resource["fqn"]
        for section in ("nodes", "sources", "exposures", "metrics", "semantic_models", "saved_queries")
        for unique_id, resource in manifest.get(section, {}).items()
    }
    tasks = [t for t in dagbag.dags["metrics_pipeline"].tasks if t.task_id.startswith("dbt.")]
    assert len(tasks) > 40
    for task in tasks:
        node = task.extra_context["dbt_node_config"]["unique_id"]
        parts = task.select.removeprefix("fqn:").split(".")
        assert [uid for uid, fqn in fqns.items() if fqn[: len(parts)] == parts] == [node], task.task_id


def test_a_build_is_recorded_only_after_its_kpi_gate_and_report(dagbag: DagBag) -> None:
    # A recorded build makes the next run with nothing new skip everything after dbt_inputs_changed: recorded earlier,
    # a run killed before its gate or report would leave them undone for good.
    dag = dagbag.dags["metrics_pipeline"]
    upstream = dag.get_task("record_dbt_build").get_flat_relative_ids(upstream=True)
    assert {"check_kpi_marts", "publish"} <= upstream


def test_every_main_run_ends_by_evaluating_the_alert_rules(dagbag: DagBag) -> None:
    dag = dagbag.dags["metrics_pipeline"]
    alerts = dag.get_task("evaluate_alert_rules")
    # A teardown: the short circuit that skips the build when nothing is new does not skip it, nor a failed task
    # before it; the run's state stays that of the tasks before it.
    assert alerts.is_teardown and not alerts.on_failure_fail_dagrun
    assert {"record_dbt_build", *(f"check_raw_{source}" for source in SOURCE_NAMES)} <= alerts.upstream_task_ids
    assert alerts.get_flat_relative_ids(upstream=True) == set(dag.task_ids) - {alerts.task_id}
    assert not alerts.downstream_task_ids


def _first_runs(dag, *days: date) -> list[datetime]:
    """When the scheduler starts the DAG first on or after each day (00:00 UTC), from the DAG as it serializes it."""
    timetable = DagSerialization.from_dict(DagSerialization.to_dict(dag)).timetable
    return [
        timetable.next_dagrun_info(
            last_automated_data_interval=None,
            restriction=TimeRestriction(datetime.combine(day, time(), UTC), None, catchup=True),
        ).run_after
        for day in days
    ]


def test_the_daily_digest_goes_out_at_nine_in_the_reporting_time_zone(dagbag: DagBag, monkeypatch) -> None:
    winter, summer = date(2026, 3, 1), date(2026, 7, 1)
    shanghai = dagbag.dags["metrics_daily_digest"]  # METRICS_REPORTING_TZ unset: Asia/Shanghai, UTC+8 all year
    assert _first_runs(shanghai, winter, summer) == [
        datetime(2026, 3, 1, 1, tzinfo=UTC),
        datetime(2026, 7, 1, 1, tzinfo=UTC),
    ]

    monkeypatch.setenv("METRICS_REPORTING_TZ", "Europe/Berlin")
    berlin = DagBag(dag_folder=str(DAGS_DIR / "metrics_checks.py")).dags["metrics_daily_digest"]
    assert _first_runs(berlin, winter, summer) == [
        datetime(2026, 3, 1, 8, tzinfo=UTC),
        datetime(2026, 7, 1, 7, tzinfo=UTC),
    ]


def test_on_spark_the_models_build_over_the_lake_and_bi_gets_them_after_their_gate(monkeypatch) -> None:
    monkeypatch.setenv("METRICS_ENGINE", "spark")
    ensure_manifest("spark")
    dag = DagBag(dag_folder=str(DAGS_DIR / "metrics_pipeline.py")).dags["metrics_pipeline"]
    assert "prepare_lake" in dag.get_task("dbt.fct_events_model_build").get_flat_relative_ids(upstream=True)
    assert {"check_kpi_marts", "dbt.kpi_daily_model_build"} <= dag.get_task("publish_kpi").get_flat_relative_ids(
        upstream=True
    )
    assert "publish_kpi" in dag.get_task("publish").get_flat_relative_ids(upstream=True)
