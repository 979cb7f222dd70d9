"""What the DAGs' tasks do, kept out of the DAG files so they stay declarative and this stays testable.

Every task gets the warehouse from the Airflow connection `metrics_warehouse` (`warehouse_url()`) and passes it on; the
local runner defines that connection from METRICS_WAREHOUSE_URL, and a connection defined in Airflow takes its place.
With METRICS_ENGINE=spark the models are built on the Spark cluster of the connection `metrics_spark` (`spark_url()`,
from METRICS_SPARK_THRIFT_URL the same way); the warehouse stays the control plane and serves the published kpi schema.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse import connection

if TYPE_CHECKING:
    from metrics_warehouse.quality.results import GateResult

log = logging.getLogger(__name__)

WAREHOUSE_CONN_ID = "metrics_warehouse"
SPARK_CONN_ID = "metrics_spark"


def warehouse_url() -> str:
    """The libpq URL of the Airflow connection `metrics_warehouse`."""
    from airflow.sdk import BaseHook

    return connection.from_airflow_connection(BaseHook.get_connection(WAREHOUSE_CONN_ID))


def spark_url() -> str:
    """The Thrift URL of the Airflow connection `metrics_spark` (METRICS_ENGINE=spark)."""
    from airflow.sdk import BaseHook

    from metrics_warehouse.spark.connection import thrift_url

    conn = BaseHook.get_connection(SPARK_CONN_ID)
    return thrift_url(conn.host, conn.port, conn.login)


def prepare_warehouse(url: str) -> None:
    """The warehouse's own objects, what sits at the landing root besides the source folders (recorded once), and the
    KPI targets of config/targets.yml for kpi_targets."""
    from metrics_warehouse.ingest.runner import record_landing_root
    from metrics_warehouse.targets import store

    connection.prepare(url)
    record_landing_root(url, load_settings().landing_dir)
    log.info("%s KPI targets stored", store(url))


def ingest(url: str, source: str, load_id: str) -> dict:
    """Load the new files of one source; returns counts for XCom and the task log."""
    from metrics_warehouse.ingest.runner import ingest_source

    results = ingest_source(url, load_settings(), source, load_id)
    totals = {
        "files": len(results),
        "rejected": [f"{r.path}: {r.message}" for r in results if r.status == "rejected"],
        **{
            key: sum(getattr(r, key) for r in results)
            for key in ("records_read", "records_loaded", "records_quarantined", "records_skipped")
        },
    }
    log.info("%s: %s", source, totals)
    return totals


def create_incremental_relations(url: str) -> None:
    """On a new warehouse, an empty view for each incremental model whose unit tests run it as incremental (they read
    the existing relation's columns), made from its contract; its first build replaces the view with the table, as a
    full build. A no-op on a warehouse that has them. On Spark, made there (`spark.lake_tables`). Made here from the manifest, not by a dbt command: a dbt process
    and its parse cost 8 s of the first run. (`dbt run --empty` would need every model upstream built and breaks
    `ref() as alias`; building the models in full here made the first run build them twice.)"""
    from psycopg import sql

    from metrics_warehouse.dbt.manifest import ensure_manifest, incremental_unit_tested

    if load_settings().engine == "spark":
        from metrics_warehouse.spark.lake_tables import create_empty_views

        create_empty_views(spark_url(), incremental_unit_tested(ensure_manifest()))
        return
    # Two runs on a new warehouse: one creates them, the other waits and finds them.
    with connection.connect(url, autocommit=True) as conn, connection.exclusive(conn, "first dbt build"):
        for relation in incremental_unit_tested(ensure_manifest()):
            name = sql.Identifier(relation.schema, relation.alias)
            if conn.execute("select to_regclass(%s)", (name.as_string(conn),)).fetchone()[0] is not None:
                continue
            columns = sql.SQL(", ").join(
                sql.SQL("cast(null as {}) as {}").format(sql.SQL(data_type), sql.Identifier(column))
                for column, data_type in relation.columns
            )
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(relation.schema)))
            conn.execute(sql.SQL("create view {} as select {} where false").format(name, columns))
            log.info("created the empty view %s for the unit tests of %s", name.as_string(conn), relation.model)


def prepare_lake(url: str) -> None:
    """Before a Spark build: the control tables the models read copied from the warehouse to the lake, and every lake
    table registered in Spark with the partitions loaded since."""
    from metrics_warehouse.spark.lake_tables import register_lake

    register_lake(url, spark_url(), load_settings().lake_dir)


def publish_kpi(url: str) -> None:
    """After a Spark build: the kpi schema copied into the warehouse, for BI, the gates, the report and the alerts."""
    from metrics_warehouse.spark.publish import publish_kpi_schema

    log.info("published %s", publish_kpi_schema(spark_url(), url))


def dbt_inputs_changed(url: str) -> dict | None:
    """The dbt build's inputs when they changed since the last successful build (new ledger rows, another project or
    settings), else None: the build would give the same tables."""
    from metrics_warehouse.dbt import state

    inputs = state.current_inputs(url, load_settings())
    if inputs == state.last_build(url):
        log.info("nothing new since the last build (%s): the dbt build is skipped", inputs)
        return None
    return inputs.as_dict()


def before_dbt_task(context: dict) -> None:
    """`pre_execute` of every dbt task: skip a model or seed none of whose inputs changed since the last successful
    build (shown as skipped, with the reason in its log); else get the process ready for the dbt command."""
    from airflow.sdk.exceptions import AirflowSkipException

    from metrics_warehouse.dbt import in_process, state
    from metrics_warehouse.dbt.manifest import ensure_manifest

    node = context["task"].extra_context["dbt_node_config"]["unique_id"]  # Cosmos gives each task its dbt node
    reason = state.why_unchanged(warehouse_url(), load_settings(), ensure_manifest(), node)
    if reason:
        raise AirflowSkipException(reason)
    in_process.prepare_dbt_task()


def record_dbt_build(url: str, inputs: dict, run_id: str) -> None:
    from metrics_warehouse.dbt import state

    state.record_build(url, state.BuildInputs(**inputs), run_id)


def check_raw(url: str, source: str, run_id: str) -> None:
    """Validate the source's files that have no verdict yet; failing files are held back and alerted, the rest go on."""
    from metrics_warehouse.quality.gates import check_raw_batch

    _alert_failed_checks(url, check_raw_batch(url, source, run_id))


def check_kpi_marts(url: str, run_id: str) -> None:
    """Validate the marts dbt has just built (on Spark, before they are published); a critical failure is alerted,
    then stops the run before the report."""
    from metrics_warehouse.quality.gates import check_kpi_marts as check
    from metrics_warehouse.quality.results import QualityGateFailed

    gate = check(url, run_id, spark_url() if load_settings().engine == "spark" else None)
    _alert_failed_checks(url, gate)
    if not gate.success:
        raise QualityGateFailed(gate)


def _alert_failed_checks(url: str, gate: GateResult) -> None:
    """The rules about check results (tagged `quality`) as soon as a gate stored a failure, not only when the run ends
    (after dbt, minutes later)."""
    if not gate.failures:
        return
    from metrics_warehouse.alerting import engine

    try:
        engine.evaluate(url, now=gate.checked_at, tags=(engine.QUALITY_TAG,))
    except Exception:  # noqa: BLE001 - alerting must never hide the gate's own outcome
        log.exception("alerting on failed checks failed")


def publish(url: str, run_id: str) -> None:
    """Give BI tools read access to the new marts and write the HTML report."""
    from metrics_warehouse.reporting.report import write_report
    from metrics_warehouse.warehouse.bi_access import grant_bi_access

    grant_bi_access(url)
    path = write_report(url, load_settings().report_dir)
    log.info("report written to %s (run %s)", path, run_id)


def evaluate_alert_rules(url: str) -> list[dict]:
    """Every enabled alert rule: what opened or recovered (sent to its owner), for XCom and the task log. Stamped with
    the time of the evaluation, as the gates stamp their checks: an alert is raised when it is found, whichever run
    finds it (the rules read the warehouse as it is, not a run's slice)."""
    from metrics_warehouse.alerting.engine import evaluate

    return [
        {"rule": o.rule, "kind": o.kind, "subject": o.subject, "severity": o.severity, "owner": o.owner}
        for o in evaluate(url, now=datetime.now(UTC))
    ]
