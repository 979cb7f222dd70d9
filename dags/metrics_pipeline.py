"""
### metrics_pipeline — landing zone → raw → dbt (staging, marts, KPIs) → quality gates → report and alerts

1. `prepare_warehouse` creates the database objects ingestion owns (idempotent).
2. `ingest_<source>` loads every new landing file of that source into `raw.<source>`: one transaction per file with its
   ledger row (`ops.ingest_ledger`) and quarantined records (`ops.quarantine`). Each updates the Asset of its raw table.
3. `check_raw_<source>` runs the Great Expectations suite on every file of the source without a verdict yet; a file
   with a critical failure is held back from the marts (and alerted), every other file goes on to dbt.
4. `create_incremental_relations` creates, on a new warehouse, empty views (from their contracts) of the incremental
   models whose unit tests read them; their first build replaces each with its table.
5. `dbt_inputs_changed` skips the rest of the run when nothing was loaded, held or released and the dbt project did not
   change since the last successful build (`ops.dbt_builds`): the tables would come out the same.
6. `dbt` builds every model as its own task (Cosmos, `dbt build` per node in the task's own process: the model, its unit
   tests and data tests). A model or seed none of whose inputs changed since the last build is skipped (a run that
   brings only events skips what reads only feedback, surveys, spend or fx rates).
7. With `METRICS_ENGINE=spark`, `prepare_lake` (before dbt) copies the control tables the models read to the lake and
   registers the new lake partitions in Spark, the dbt tasks build on the Spark cluster (`metrics_spark`), the KPI gate
   judges them there, and `publish_kpi` then copies the kpi schema into the warehouse, which serves it as on PostgreSQL.
8. `check_kpi_marts` validates the KPI marts; `publish` writes the HTML report; `record_dbt_build` then records what
   the build read (a build counts once its KPIs passed the gate and are published). The gates' tasks alert their
   failed checks at once.
9. `evaluate_alert_rules` evaluates every rule in `config/alert_rules.yml` (as `metrics_checks` does hourly) once the
   tasks before it are done, in every run: when the build was skipped or failed too.

The warehouse is the Airflow connection `metrics_warehouse` (built from `METRICS_WAREHOUSE_URL` unless defined in Airflow);
the rest of the configuration comes from the environment (README: Configuration), above all `METRICS_LANDING_DIR`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import Asset, dag, get_current_context, task
from cosmos import DbtTaskGroup, ExecutionConfig, ProfileConfig, ProjectConfig, RenderConfig
from cosmos.constants import InvocationMode, LoadMode, TestBehavior, TestIndirectSelection

from metrics_warehouse import tasks
from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.dbt.manifest import dbt_target, ensure_manifest
from metrics_warehouse.dbt.profile import dbt_profile
from metrics_warehouse.settings import DBT_PROJECT_DIR, load_settings

ON_SPARK = load_settings().engine == "spark"

RAW_ASSETS = {
    source: Asset(name=f"raw.{source}", uri=f"postgres://warehouse/metrics/raw/{source}", group="raw")
    for source in SOURCE_NAMES
}


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data_engineering", "retries": 2, "retry_delay": timedelta(seconds=30)},
    tags=["metrics", "ingest", "dbt", "quality"],
    doc_md=__doc__,
)
def metrics_pipeline():
    @task
    def prepare_warehouse() -> None:
        tasks.prepare_warehouse(tasks.warehouse_url())

    @task
    def ingest(source: str) -> dict:
        return tasks.ingest(tasks.warehouse_url(), source, load_id=get_current_context()["run_id"])

    @task
    def check_raw(source: str) -> None:
        tasks.check_raw(tasks.warehouse_url(), source, run_id=get_current_context()["run_id"])

    @task
    def create_incremental_relations() -> None:
        tasks.create_incremental_relations(tasks.warehouse_url())

    @task.short_circuit
    def dbt_inputs_changed() -> dict | None:
        return tasks.dbt_inputs_changed(tasks.warehouse_url())

    @task
    def record_dbt_build(inputs: dict) -> None:
        url = tasks.warehouse_url()
        tasks.record_dbt_build(url, inputs, run_id=get_current_context()["run_id"])

    dbt = DbtTaskGroup(
        group_id="dbt",
        # Rendered from the manifest of `dbt parse` (built once, rebuilt when the project changes), not `dbt ls`.
        project_config=ProjectConfig(DBT_PROJECT_DIR, manifest_path=ensure_manifest()),
        # dbt connects through the same Airflow connection as the other tasks (Cosmos writes the profile at run time).
        profile_config=ProfileConfig(
            profile_name="metrics_warehouse",
            target_name=dbt_target(),
            profile_mapping=dbt_profile(tasks.SPARK_CONN_ID if ON_SPARK else tasks.WAREHOUSE_CONN_ID),
        ),
        execution_config=ExecutionConfig(
            # dbt in the task's own process (dbtRunner), not a new Python process per model: 2-3 s less per task.
            invocation_mode=InvocationMode.DBT_RUNNER,
            # A test that reads several models runs with the last of them to be built, never before.
            test_indirect_selection=TestIndirectSelection.BUILDABLE,
        ),
        render_config=RenderConfig(
            load_method=LoadMode.DBT_MANIFEST,
            test_behavior=TestBehavior.BUILD,
            # No Cosmos dataset per model: it builds postgres:// URIs from the profile's host, and the embedded
            # warehouse's host is a unix-socket directory. The raw tables are Assets; the KPI marts follow from them.
            emit_datasets=False,
        ),
        # No manifest.json/run_results.json per task: nothing reads them, and writing the manifest costs ~2 s a task.
        operator_args={"install_deps": False, "dbt_cmd_global_flags": ["--no-write-json"]},
        default_args={
            "owner": "data_engineering",
            "retries": 1,
            # A model or seed none of whose inputs changed since the last build is skipped; what reads it still runs.
            "pre_execute": tasks.before_dbt_task,
            "trigger_rule": "none_failed",
        },
    )

    @task
    def prepare_lake() -> None:
        tasks.prepare_lake(tasks.warehouse_url())

    @task
    def publish_kpi() -> None:
        tasks.publish_kpi(tasks.warehouse_url())

    @task(trigger_rule="none_failed")  # after the dbt tasks, some of them skipped (nothing new for them)
    def check_kpi_marts() -> None:
        tasks.check_kpi_marts(tasks.warehouse_url(), run_id=get_current_context()["run_id"])

    @task
    def publish() -> None:
        tasks.publish(tasks.warehouse_url(), run_id=get_current_context()["run_id"])

    @task
    def evaluate_alert_rules() -> list[dict]:
        return tasks.evaluate_alert_rules(tasks.warehouse_url())

    ready = prepare_warehouse()
    incremental_relations = create_incremental_relations()
    checked = []
    for source in SOURCE_NAMES:
        loaded = ingest.override(task_id=f"ingest_{source}", outlets=[RAW_ASSETS[source]])(source)
        checked.append(check_raw.override(task_id=f"check_raw_{source}")(source))
        ready >> loaded >> checked[-1] >> incremental_relations
    inputs = dbt_inputs_changed()
    recorded = record_dbt_build(inputs)
    # The build is recorded last: a run killed before its KPI gate or report would otherwise leave a rerun that finds
    # nothing new and skips them.
    gate, report = check_kpi_marts(), publish()
    if ON_SPARK:  # BI reads the KPIs once they passed the gate on the cluster
        incremental_relations >> inputs >> prepare_lake() >> dbt >> gate >> publish_kpi() >> report
    else:
        incremental_relations >> inputs >> dbt >> gate >> report
    report >> recorded
    # A teardown, so that it runs once the gates, the dbt tasks and the record are done whatever their outcome: a
    # short circuit (dbt_inputs_changed) skips every task after it but teardowns. It leaves the run's state to them.
    [*checked, dbt, recorded] >> evaluate_alert_rules().as_teardown()


metrics_pipeline()
