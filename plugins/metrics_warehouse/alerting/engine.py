"""Entry point: evaluate every alert rule, record what opened or recovered in ops.alerts and deliver it.

Called by the metrics_checks DAG (hourly), by the main DAG's last task (`make run` runs that DAG), and for the rules
about check results by the gates' tasks. Delivery never raises:
a failed delivery stays `pending` in ops.alerts and is retried (a few attempts now, more on the next evaluations)
until it is `sent` or gives up as `failed`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

import psycopg
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb

from metrics_warehouse.alerting import channels, followup, rules, state
from metrics_warehouse.alerting.config import Rule, load_rules
from metrics_warehouse.config_files import ConfigError
from metrics_warehouse.owners import Owner, load_owners
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)

ATTEMPTS_PER_EVALUATION = 3
MAX_ATTEMPTS = 9
BACKOFF_SECONDS = (0.2, 0.5)
NO_CHANNEL = "none"
QUALITY_TAG = "quality"  # rules about ops.quality_results, evaluated by the gate tasks right after a failure


@dataclass(frozen=True)
class Delivery:
    channel: str
    status: str  # sent | pending | failed | skipped (channel has no address) | recorded (owner has no channel)
    attempts: int
    error: str | None


@dataclass
class AlertOutcome:
    rule: str
    kind: str  # alert | recovery
    severity: str
    subject: str
    value: str | None
    threshold: str | None
    owner: str
    raised_at: datetime
    details: dict | None = None  # anomalies: the judgement and the segments behind it (ops.alerts.details)
    recurring: bool = False  # fired again within followup.RECURRENCE_DAYS of a resolution
    escalated_to: str | None = None  # the owner's escalation owner, also alerted when recurring
    alert_ids: list[int] = field(default_factory=list)  # its ops.alerts rows, one per channel
    deliveries: list[Delivery] = field(default_factory=list)


def evaluate(
    url: str,
    *,
    now: datetime,
    rules_path: Path | str | None = None,
    owners_path: Path | str | None = None,
    tags: Iterable[str] | None = None,
) -> list[AlertOutcome]:
    """Evaluate the enabled rules (those with one of `tags`, if given); returns the alerts and recoveries raised now."""
    owners = load_owners(owners_path)
    all_rules = load_rules(rules_path)
    descriptions = {r.name: r.description for r in all_rules}
    selected = [r for r in all_rules if r.enabled and (tags is None or set(tags) & set(r.tags))]
    if unknown := sorted({r.owner for r in selected} - owners.keys()):
        raise ConfigError(f"alert rule owner(s) not in owners.yml: {', '.join(unknown)}")
    with connect(url, autocommit=True) as conn:
        # One evaluation at a time (the gates, the main DAG and the hourly DAG may overlap).
        conn.execute("select pg_advisory_lock(hashtext('metrics_warehouse.alerting'))")
        try:
            conn.execute(_DDL)
            retry_pending(conn, owners, descriptions)
            outcomes = []
            for rule in selected:
                outcomes.extend(_evaluate_rule(conn, rule, owners, now))
            for outcome in outcomes:
                outcome.deliveries = [_deliver(conn, row, owners, descriptions) for row in _rows(conn, outcome)]
        finally:
            conn.execute("select pg_advisory_unlock(hashtext('metrics_warehouse.alerting'))")
    for outcome in outcomes:
        log.warning("%s %s %s: %s (%s)", outcome.kind, outcome.rule, outcome.subject, outcome.value, outcome.threshold)
    return outcomes


_DDL = resources.files("metrics_warehouse.alerting").joinpath("ddl.sql").read_text()


def apply_ddl(url: str) -> None:
    """The alerting tables and columns (ops.alert_state, ops.alerts' follow-up columns, ops.alert_stats)."""
    with connect(url, autocommit=True) as conn:
        conn.execute(_DDL)


def _evaluate_rule(conn: psycopg.Connection, rule: Rule, owners: dict[str, Owner], now: datetime) -> list[AlertOutcome]:
    """State change and its ops.alerts rows commit together, so a crash before delivery leaves them pending."""
    try:
        with conn.transaction():
            found = rules.evaluate(conn, rule, now)
            changes = state.apply(conn, rule, found, now)
            outcomes = [
                AlertOutcome(
                    rule.name, kind, rule.severity, v.subject, v.value, v.threshold, _owner(rule, v, owners).name,
                    now, v.details if kind == "alert" else None,
                )
                for kind, changed in (("alert", changes.opened), ("recovery", changes.recovered))
                for v in changed
            ]  # fmt: skip
            for outcome in outcomes:
                if outcome.kind == "alert":
                    _mark_recurrence(conn, outcome, owners[outcome.owner])
                outcome.alert_ids = _record(conn, outcome, owners, rule.description)
            return outcomes
    except psycopg.Error as error:
        # A rule whose tables do not exist yet (before the first dbt build) must not stop the others.
        log.warning("alert rule %s could not be evaluated: %s", rule.name, str(error).strip())
        return []


def _owner(rule: Rule, violation: rules.Violation, owners: dict[str, Owner]) -> Owner:
    """The row's own owner when its query names one that owners.yml knows, else the rule's."""
    if violation.owner and violation.owner not in owners:
        log.warning("alert rule %s: owner %r of %s is not in owners.yml", rule.name, violation.owner, violation.subject)
    return owners.get(violation.owner or rule.owner, owners[rule.owner])


def _mark_recurrence(conn: psycopg.Connection, outcome: AlertOutcome, owner: Owner) -> None:
    """A rule and subject resolved less than 30 days ago: recurring, escalated, with the last root cause."""
    found = followup.recurrence(conn, outcome.rule, outcome.subject, outcome.raised_at)
    if found:
        outcome.recurring, outcome.escalated_to = True, owner.escalation
        outcome.details = (outcome.details or {}) | {"recurrence": found.as_details()}


def _record(conn: psycopg.Connection, outcome: AlertOutcome, owners: dict[str, Owner], description: str) -> list[int]:
    """One ops.alerts row per channel of the owner (and of the escalation owner when escalated)."""
    recipients = [owners[outcome.owner]] + ([owners[outcome.escalated_to]] if outcome.escalated_to else [])
    targets = [(o.name, name) for o in recipients for name in ([c.name for c in o.channels] or [NO_CHANNEL])]
    fields = ("rule", "kind", "severity", "subject", "value", "threshold", "raised_at", "details")
    row = {key: getattr(outcome, key) for key in (*fields, "recurring", "escalated_to")}
    messages = {o.name: compose(row | {"owner": o.name}, description).text for o in recipients}
    with conn.cursor() as cur:
        cur.executemany(
            """
            insert into ops.alerts (raised_at, rule, kind, severity, subject, value, threshold, owner, channel,
                delivery_status, delivery_attempts, message, details, recurring, escalated_to)
            values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, %s, %s, %s, %s)
            returning alert_id
            """,
            [
                (
                    outcome.raised_at,
                    outcome.rule,
                    outcome.kind,
                    outcome.severity,
                    outcome.subject,
                    outcome.value,
                    outcome.threshold,
                    recipient,
                    name,
                    "recorded" if name == NO_CHANNEL else "pending",
                    messages[recipient],
                    Jsonb(outcome.details) if outcome.details is not None else None,
                    outcome.recurring,
                    outcome.escalated_to,
                )
                for recipient, name in targets
            ],
            returning=True,
        )
        ids = []
        while True:
            ids.append(cur.fetchone()[0])
            if not cur.nextset():
                return ids


def _rows(conn: psycopg.Connection, outcome: AlertOutcome) -> list[dict]:
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("select * from ops.alerts where alert_id = any(%s) order by alert_id", (outcome.alert_ids,))
        return cur.fetchall()


def retry_pending(conn: psycopg.Connection, owners: dict[str, Owner], descriptions: dict[str, str]) -> list[Delivery]:
    """Deliveries that failed on an earlier evaluation get their next attempts now."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("select * from ops.alerts where delivery_status = 'pending' order by alert_id")
        pending = cur.fetchall()
    return [_deliver(conn, row, owners, descriptions) for row in pending]


def _deliver(conn: psycopg.Connection, row: dict, owners: dict[str, Owner], descriptions: dict[str, str]) -> Delivery:
    if row["delivery_status"] != "pending":
        return Delivery(row["channel"], row["delivery_status"], row["delivery_attempts"], row["last_error"])
    owner = owners.get(row["owner"])
    config = next((c for c in owner.channels if c.name == row["channel"]), None) if owner else None
    attempts, status, error = row["delivery_attempts"], "pending", None
    try:
        if config is None:
            raise channels.NotConfigured(f"owner {row['owner']} has no channel {row['channel']!r} any more")
        channel = channels.build(config)
    except channels.NotConfigured as missing:
        status, error = "skipped", str(missing)
    else:
        message = compose(row, descriptions.get(row["rule"], ""))  # its text is ops.alerts.message
        for attempt in range(ATTEMPTS_PER_EVALUATION):
            attempts += 1
            try:
                channel.send(message)
            except Exception as failure:  # noqa: BLE001 - any delivery problem is recorded, never raised
                error = f"{type(failure).__name__}: {failure}"
                if attempts >= MAX_ATTEMPTS:
                    status = "failed"
                    break
                if attempt + 1 < ATTEMPTS_PER_EVALUATION:
                    time.sleep(BACKOFF_SECONDS[min(attempt, len(BACKOFF_SECONDS) - 1)])
            else:
                status, error = "sent", None
                break
    conn.execute(
        "update ops.alerts set delivery_status = %s, delivery_attempts = %s, last_error = %s where alert_id = %s",
        (status, attempts, error, row["alert_id"]),
    )
    if status != "sent":
        log.warning("alert %s to %s via %s: %s (%s)", row["alert_id"], row["owner"], row["channel"], status, error)
    return Delivery(row["channel"], status, attempts, error)


def compose(row: dict, description: str = "") -> channels.Message:
    """The message for one ops.alerts row (rebuilt from the row, so a retry sends the same text)."""
    severity = row["severity"].upper()
    if row["kind"] == "recovery":
        headline = f"[RECOVERED] {row['rule']}: {row['subject']}"
        detail = f"back within its threshold (last seen {row['value']}, {row['threshold']})"
    else:
        recurring = f"[RECURRING{', escalated to ' + row['escalated_to'] if row.get('escalated_to') else ''}] "
        headline = f"{recurring if row.get('recurring') else ''}[{severity}] {row['rule']}: {row['subject']}"
        detail = f"value {row['value']}" + (f", threshold {row['threshold']}" if row["threshold"] else "")
    details = row.get("details") or {}
    lines = [
        headline,
        detail,
        *_segment_lines(details),
        f"owner: {row['owner']}, raised {row['raised_at']:%Y-%m-%d %H:%M %Z}",
    ]
    if details.get("headline"):
        lines.insert(1, details["headline"])
    if recurrence := details.get("recurrence"):
        lines.insert(1, f"fired again after its resolution on {recurrence['last_resolved_at'][:10]}: "
                        f"{recurrence['last_root_cause'] or 'no root cause noted'}")  # fmt: skip
    if description:
        lines.insert(1, description.strip())
    payload = {key: row[key] for key in ("rule", "kind", "severity", "subject", "value", "threshold", "owner")} | {
        "raised_at": row["raised_at"].isoformat(),
        "description": description,
        "details": row.get("details"),
        "text": "\n".join(lines),
    }
    return channels.Message(subject=f"[metrics] {headline}", text="\n".join(lines), payload=payload)


def _segment_lines(details: dict) -> list[str]:
    """The drill-down of an anomaly, one line per segment (the first is already in the headline)."""
    move = "drop" if details.get("change", 0) < 0 else "rise"
    return [
        f"  {s['dimension']}={s['segment']}: {s['actual']:,.4g} vs {s['expected'] or 0:,.4g} expected, "
        f"{s['contribution']:+,.4g} ({s['share']:.0%} of the {move})"
        for s in details.get("segments", [])
    ]
