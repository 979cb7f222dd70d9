"""Outcomes of quality checks and where they are stored (ops.quality_results)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import psycopg
from psycopg.types.json import Jsonb

CRITICAL = "critical"
WARNING = "warning"


@dataclass(frozen=True)
class CheckResult:
    """One expectation evaluated on one slice of a target (one row of ops.quality_results)."""

    suite: str
    target: str
    expectation: str
    severity: str
    success: bool
    observed_value: str | None
    details: dict
    source: str | None = None
    delivery_date: date | None = None
    # The files whose rows failed (row-level checks of a raw batch); None when the check cannot point at files.
    file_ids: frozenset[int] | None = field(default=None, compare=False)


@dataclass
class GateResult:
    """What a gate checked; `failures` lists the failed checks, critical first."""

    run_id: str
    suite: str
    checked_at: datetime
    results: list[CheckResult] = field(default_factory=list)
    data_docs: str | None = None

    @property
    def failures(self) -> list[CheckResult]:
        failed = [r for r in self.results if not r.success]
        return sorted(failed, key=lambda r: (r.severity != CRITICAL, r.target, r.expectation))

    @property
    def critical_failures(self) -> list[CheckResult]:
        return [r for r in self.failures if r.severity == CRITICAL]

    @property
    def success(self) -> bool:
        return not self.critical_failures

    def summary(self) -> str:
        checks = len({(r.target, r.expectation) for r in self.results})
        failed = sorted({f"{r.target}: {r.expectation} ({r.severity})" for r in self.failures})
        return f"{self.suite}: {checks} checks, {len(failed)} failed" + (": " + "; ".join(failed) if failed else "")


class QualityGateFailed(RuntimeError):
    """A critical expectation failed: what depends on the checked data must not run."""

    def __init__(self, gate: GateResult):
        super().__init__(gate.summary())
        self.gate = gate


def store(conn: psycopg.Connection, gate: GateResult, source: str | None) -> None:
    """Replace this run's results for the suite (a retried task does not double its rows), in the caller's
    transaction."""
    conn.execute(
        "delete from ops.quality_results where run_id = %s and suite = %s and source is not distinct from %s",
        (gate.run_id, gate.suite, source),
    )
    with conn.cursor() as cur:
        cur.executemany(
            """
            insert into ops.quality_results (
                run_id, checked_at, suite, target, source, delivery_date, expectation, severity, success,
                observed_value, details
            ) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
            """,
            [
                (
                    gate.run_id,
                    gate.checked_at,
                    r.suite,
                    r.target,
                    r.source,
                    r.delivery_date,
                    r.expectation,
                    r.severity,
                    r.success,
                    r.observed_value,
                    Jsonb(r.details),
                )
                for r in gate.results
            ],
        )
