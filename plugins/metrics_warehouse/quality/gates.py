"""The gates the main DAG calls: one on each raw batch after ingestion, one on the KPI marts after dbt.

A gate judges and returns its result, every result stored in ops.quality_results; the task that called it alerts the
failures and, on a critical failure of the KPI marts, stops the run (metrics_warehouse.tasks). A raw batch is every
file of a source that has no verdict yet, whichever run loaded it; a file with a critical failure is held back from the
marts (ledger held_because) and the rest of the batch goes on.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime

from metrics_warehouse.contracts import SOURCES
from metrics_warehouse.quality import checkpoints, results
from metrics_warehouse.quality.lake_batch import staged_batch
from metrics_warehouse.quality.results import GateResult
from metrics_warehouse.quality.suites import Suite, load_module
from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)

__all__ = ["GateResult", "check_kpi_marts", "check_raw_batch", "judge"]


def check_raw_batch(url: str, source: str, run_id: str) -> GateResult:
    """Validate the files of raw.<source> that have no verdict yet; hold back those with a critical failure."""
    if source not in SOURCES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCES)}")
    with connect(url, autocommit=True) as conn:
        # One gate per source at a time, so each file is validated once even when runs overlap.
        if not conn.execute("select pg_try_advisory_lock(hashtext('raw_gate'), hashtext(%s))", (source,)).fetchone()[0]:
            log.info("%s: waiting for another run's gate on the same source", source)
            conn.execute("select pg_advisory_lock(hashtext('raw_gate'), hashtext(%s))", (source,))
        pending = conn.execute(
            """
            select file_id, delivery_date from ops.ingest_ledger
            where source = %s and validated_at is null and not is_copy
            order by file_id
            """,
            (source,),
        ).fetchall()
        if not pending:  # before the suite is built: a run with nothing new never imports GX
            log.info("every %s file has its verdict, nothing to check", source)
            return GateResult(run_id=run_id, suite=f"raw_{source}", checked_at=datetime.now(UTC))
        with raw_suite(url, source, pending) as suite:
            gate, held = judge(url, suite, pending, run_id)
        # The results and the verdicts commit together: a run killed in between would leave checked files without
        # a verdict, and the next run would check them again.
        with conn.transaction():
            results.store(conn, gate, suite.source)
            for file_id, _ in pending:
                conn.execute(
                    "update ops.ingest_ledger set validated_at = %s, held_because = %s where file_id = %s",
                    (gate.checked_at, held.get(file_id), file_id),
                )
    if held:
        log.warning("%s: %d of %d files held back from the marts: %s", suite.name, len(held), len(pending), held)
    return gate


@contextlib.contextmanager
def raw_suite(url: str, source: str, files: list[tuple[int, date]]) -> Iterator[Suite]:
    """The source's raw suite over these files (id, delivery date): their rows in raw.<source>, or on a lake (engine
    spark) in a work table their lake files are staged into for as long as the suite runs."""
    settings = load_settings()
    build = load_module(f"raw_{source}").build
    file_ids = [file_id for file_id, _ in files]
    if settings.engine != "spark":
        yield build(file_ids)
        return
    with staged_batch(url, settings.lake_dir, source, files) as relation:
        yield build(file_ids, relation=relation)


def judge(url: str, suite: Suite, files: list[tuple[int, date]], run_id: str) -> tuple[GateResult, dict[int, str]]:
    """Run a raw suite built for these files (id, delivery date): the gate, and the files it holds with the failed
    critical checks (the caller stores the results, with its changes to the ledger)."""
    gate = _run(url, dataclasses.replace(suite, delivery_dates=sorted({day for _, day in files})), run_id)
    return gate, _held_files(gate, [file_id for file_id, _ in files])


def _held_files(gate: GateResult, file_ids: list[int]) -> dict[int, str]:
    """The files a critical failure points at (all of the batch when it cannot point), with the failed checks."""
    held: dict[int, set[str]] = {}
    for failure in gate.critical_failures:
        for file_id in file_ids if failure.file_ids is None else failure.file_ids:
            held.setdefault(file_id, set()).add(failure.expectation)
    return {file_id: ", ".join(sorted(checks)) for file_id, checks in held.items()}


def check_kpi_marts(url: str, run_id: str, spark_url: str | None = None) -> GateResult:
    """Validate the marts and KPI tables dbt has just built: on the Spark cluster of `spark_url` when given."""
    suite = load_module("kpi_marts").build(on_spark=spark_url is not None)
    gate = _run(url, suite, run_id, spark_url)
    with connect(url) as conn:
        results.store(conn, gate, suite.source)
    return gate


def _run(url: str, suite: Suite, run_id: str, spark_url: str | None = None) -> GateResult:
    """Evaluate the suite (the caller stores the results)."""
    checked_at = datetime.now(UTC)
    outcomes, docs = checkpoints.run_suite(url, suite, run_id, spark_url)
    gate = GateResult(run_id=run_id, suite=suite.name, checked_at=checked_at, results=outcomes, data_docs=docs)
    log.info("%s", gate.summary())
    return gate
