"""The gates the main DAG calls: one on each raw batch after ingestion, one on the KPI marts after dbt.

Every result is stored in ops.quality_results and failures are alerted before a critical failure raises
`QualityGateFailed`; warning-level failures alert and return.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime

from metrics_warehouse.contracts import SOURCES
from metrics_warehouse.quality import checkpoints, results
from metrics_warehouse.quality.results import GateResult, QualityGateFailed
from metrics_warehouse.quality.suites import Suite, load_module
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)

__all__ = ["GateResult", "QualityGateFailed", "check_kpi_marts", "check_raw_batch"]


def check_raw_batch(url: str, source: str, load_id: str, run_id: str) -> GateResult:
    """Validate the rows of raw.<source> loaded by `load_id` (one result row per expectation per delivery date)."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    with connect(url) as conn:
        delivery_dates = [
            row[0]
            for row in conn.execute(
                """
                select distinct delivery_date from ops.ingest_ledger
                where load_id = %s and source = %s and status <> 'duplicate_file'
                order by delivery_date
                """,
                (load_id, source),
            )
        ]
    suite: Suite = load_module(f"raw_{source}").build(load_id)
    if not delivery_dates:
        log.info("%s: no new %s files in load %s, nothing to check", suite.name, source, load_id)
        return GateResult(run_id=run_id, suite=suite.name, checked_at=datetime.now(UTC))
    return _run(url, dataclasses.replace(suite, delivery_dates=delivery_dates), run_id)


def check_kpi_marts(url: str, run_id: str) -> GateResult:
    """Validate the marts and KPI tables dbt has just built."""
    return _run(url, load_module("kpi_marts").build(), run_id)


def _run(url: str, suite: Suite, run_id: str) -> GateResult:
    checked_at = datetime.now(UTC)
    outcomes, docs = checkpoints.run_suite(url, suite, run_id)
    gate = GateResult(run_id=run_id, suite=suite.name, checked_at=checked_at, results=outcomes, data_docs=docs)
    results.store(url, gate, suite.source)
    log.info("%s", gate.summary())
    if gate.failures:
        _alert(url, checked_at)
    if not gate.success:
        raise QualityGateFailed(gate)
    return gate


def _alert(url: str, now: datetime) -> None:
    """Raise the check-failure alerts now, so they are out before the DAG stops on a critical failure."""
    try:
        from metrics_warehouse.alerting import engine

        engine.evaluate(url, now=now, tags=(engine.QUALITY_TAG,))
    except Exception:  # noqa: BLE001 - alerting must never hide the gate's own outcome
        log.exception("alerting on failed checks failed")
