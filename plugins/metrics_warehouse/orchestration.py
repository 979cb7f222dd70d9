"""What the main DAG's tasks do, kept out of the DAG file so it stays declarative and this stays testable."""

from __future__ import annotations

import logging
import os

from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse import connection

log = logging.getLogger(__name__)


class MissingWarehouse(RuntimeError):
    pass


def warehouse_url() -> str:
    url = os.environ.get("METRICS_WAREHOUSE_URL")
    if not url:
        raise MissingWarehouse(
            "METRICS_WAREHOUSE_URL is not set: run the DAG through `make run` / `make airflow`, or export the URL"
        )
    return url


def prepare_warehouse() -> None:
    """The schemas and tables ingestion needs, and the KPI targets of config/targets.yml for kpi_targets."""
    from metrics_warehouse.alerting.targets import store

    url = warehouse_url()
    connection.prepare(url)
    log.info("%s KPI targets stored", store(url))


def ingest(source: str, load_id: str) -> dict:
    """Load the new files of one source; returns counts for XCom and the task log."""
    from metrics_warehouse.ingest.runner import ingest_source

    results = ingest_source(warehouse_url(), load_settings(), source, load_id)
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


def create_incremental_relations() -> None:
    """Build the incremental models once on a new warehouse, so their unit tests (which read the existing relation's
    columns) can run in the per-model builds. A no-op on a warehouse that has them. (`dbt run --empty` would be cheaper,
    but it breaks `ref() as alias` in the alias-mapping macro.)"""
    from metrics_warehouse.dbt_cli import run_dbt

    url = warehouse_url()
    with connection.connect(url) as conn:
        present = conn.execute("select count(*) from pg_tables where schemaname = 'marts' and tablename = 'fct_events'")
        if present.fetchone()[0]:
            return
    run_dbt(url, "seed")
    run_dbt(url, "run", "--select", "+config.materialized:incremental")


def check_raw(source: str, load_id: str) -> None:
    from metrics_warehouse.quality.gates import check_raw_batch

    check_raw_batch(warehouse_url(), source, load_id, run_id=load_id)


def check_kpi_marts(run_id: str) -> None:
    from metrics_warehouse.quality.gates import check_kpi_marts as check

    check(warehouse_url(), run_id)


def publish(run_id: str) -> None:
    """Give BI tools read access to the new marts and write the HTML report."""
    from metrics_warehouse.reporting.report import write_report
    from metrics_warehouse.warehouse.bi_access import grant_bi_access

    url = warehouse_url()
    grant_bi_access(url)
    path = write_report(url, load_settings().report_dir)
    log.info("report written to %s (run %s)", path, run_id)
