"""Evaluating one rule: run its query, apply its condition, return what violates it (one Violation per subject).

Fixed conditions are judged here on the query's rows; `anomaly` conditions in the warehouse (alerting.anomaly), with
the segments behind the move (alerting.drilldown) when the rule names a drill-down metric.
"""

from __future__ import annotations

import logging
import statistics
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import psycopg
from psycopg.rows import dict_row

from metrics_warehouse.alerting import anomaly, drilldown
from metrics_warehouse.alerting.config import Condition, Rule

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Violation:
    rule: str
    subject: str
    value: str | None
    threshold: str | None
    details: dict[str, Any] | None = None  # anomalies: the judgement and the ranked segments behind it
    owner: str | None = None  # a query's `owner` column routes this row to that owner instead of the rule's


def evaluate(conn: psycopg.Connection, rule: Rule, now: datetime) -> list[Violation]:
    """What violates the rule now."""
    if rule.condition.kind == "anomaly":
        return [_anomaly(conn, rule, j) for j in anomaly.judge(conn, rule, latest_only=True) if j.anomalous]
    return violations(rule, fetch(conn, rule, now))


def _segments(conn: psycopg.Connection, rule: Rule, judgement: anomaly.Judgement) -> list[drilldown.Segment]:
    """The drill-down, or none when it cannot be computed (the alert goes out either way)."""
    if not rule.drilldown:
        return []
    try:
        with conn.transaction():  # a savepoint: a failed drill-down leaves the rule's transaction usable
            return drilldown.explain(conn, rule, judgement)
    except psycopg.Error as error:
        log.warning("alert rule %s: no drill-down (%s)", rule.name, str(error).strip())
        return []


def _anomaly(conn: psycopg.Connection, rule: Rule, judgement: anomaly.Judgement) -> Violation:
    segments = _segments(conn, rule, judgement)
    condition = rule.condition
    season = "same weekday" if condition.seasonality == "weekly" else "previous periods"
    return Violation(
        rule.name,
        judgement.subject,
        f"{_text(judgement.value)} on {judgement.period}",
        f"expected {_text(judgement.expected)} ({season}, {judgement.history} of {condition.training}; "
        f"{condition.direction} beyond {condition.sensitivity:g} sd and {condition.min_change:.0%})",
        drilldown.details(judgement, segments, rule) | {"headline": drilldown.headline(rule, judgement, segments)},
    )


def fetch(conn: psycopg.Connection, rule: Rule, now: datetime) -> list[dict[str, Any]]:
    """The rule's rows; a query may use %(now)s (the evaluation time)."""
    params = {"now": now} if "%(" in rule.query else None
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(rule.query, params)
        rows = cur.fetchall()
    if rows and "subject" not in rows[0]:
        raise ValueError(f"rule {rule.name}: the query must return a `subject` column")
    return rows


def violations(rule: Rule, rows: list[dict[str, Any]]) -> list[Violation]:
    """Apply the condition; series conditions judge each subject's latest period against the ones before it."""
    condition = rule.condition
    if condition.kind == "rows":
        return [
            Violation(
                rule.name, str(r["subject"]), _text(r.get("value")), _text(r.get("threshold")), owner=r.get("owner")
            )
            for r in rows
        ]
    series: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        series[str(row["subject"])].append(row)
    found = []
    for subject, subject_rows in sorted(series.items()):
        subject_rows.sort(key=lambda r: (r.get("period") is not None, r.get("period")))
        values = [r["value"] for r in subject_rows]
        verdict = _judge(condition, subject, values)
        if verdict is not None:
            found.append(Violation(rule.name, subject, _text(values[-1]) + _at(subject_rows[-1]), verdict))
    return found


def _judge(condition: Condition, subject: str, values: list) -> str | None:
    """The threshold text when the latest value violates the condition, else None."""
    current = values[-1] if values else None
    limit = condition.threshold_for(subject)
    if current is None:
        return None
    current = float(current)
    if condition.kind == "above":
        return f"> {_text(limit)}" if current > limit else None
    if condition.kind == "below":
        return f"< {_text(limit)}" if current < limit else None
    before = [float(v) for v in values[:-1][-condition.days :] if v is not None]
    if condition.kind == "below_trailing_median":
        if len(before) < condition.days:
            return None
        median = statistics.median(before)
        bound = limit * median
        return (
            f"< {_text(bound)} ({limit:g} x median {_text(median)} of the {condition.days} before)"
            if current < bound
            else None
        )
    if not before:  # drop_from_previous
        return None
    previous = before[-1]
    return f"drop > {_text(limit)} from {_text(previous)}" if previous - current > limit else None


def _at(row: dict[str, Any]) -> str:
    return f" on {row['period']}" if row.get("period") is not None else ""


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float | Decimal):
        return f"{float(value):.2f}".rstrip("0").rstrip(".")
    return str(value)
