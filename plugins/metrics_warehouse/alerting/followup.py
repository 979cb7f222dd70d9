"""Closing the loop on an alert: acknowledge it, resolve it with its root cause, and notice when it comes back.

An alert is the set of ops.alerts rows of one rule, subject and raising (one row per channel); an alert_id names any
of them. A rule and subject that fire again within RECURRENCE_DAYS of a resolution are recurring: the new alert
says so, quotes the last root cause and also goes to the owner's escalation owner (owners.yml `escalation`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import psycopg

RECURRENCE_DAYS = 30

_SAME_ALERT = """
    update ops.alerts as a set {assignments}
    from ops.alerts as named
    where named.alert_id = %(alert_id)s and named.kind = 'alert'
        and a.kind = 'alert' and a.rule = named.rule and a.subject = named.subject and a.raised_at = named.raised_at
    returning a.alert_id
"""


class UnknownAlert(LookupError):
    pass


@dataclass(frozen=True)
class Recurrence:
    resolved_at: datetime
    note: str | None

    def as_details(self) -> dict:
        return {"last_resolved_at": self.resolved_at.isoformat(), "last_root_cause": self.note}


def acknowledge(conn: psycopg.Connection, alert_id: int, at: datetime) -> int:
    """Mark the alert acknowledged (the first acknowledgement counts); returns the rows touched."""
    return _update(conn, alert_id, "acknowledged_at = coalesce(a.acknowledged_at, %(at)s)", at=at)


def resolve(conn: psycopg.Connection, alert_id: int, at: datetime, note: str) -> int:
    """Mark the alert resolved with its root cause (acknowledged then too, if it was not)."""
    return _update(
        conn,
        alert_id,
        "acknowledged_at = coalesce(a.acknowledged_at, %(at)s), resolved_at = %(at)s, resolution_note = %(note)s",
        at=at,
        note=note,
    )


def recurrence(conn: psycopg.Connection, rule: str, subject: str, now: datetime) -> Recurrence | None:
    """The latest resolution of this rule and subject within RECURRENCE_DAYS before now, if any."""
    row = conn.execute(
        """
        select resolved_at, resolution_note from ops.alerts
        where kind = 'alert' and rule = %s and subject = %s and resolved_at between %s and %s
        order by resolved_at desc limit 1
        """,
        (rule, subject, now - timedelta(days=RECURRENCE_DAYS), now),
    ).fetchone()
    return Recurrence(*row) if row else None


def _update(conn: psycopg.Connection, alert_id: int, assignments: str, **values) -> int:
    rows = conn.execute(_SAME_ALERT.format(assignments=assignments), {"alert_id": alert_id, **values}).fetchall()
    if not rows:
        raise UnknownAlert(f"no alert {alert_id} in ops.alerts (recoveries cannot be acknowledged)")
    return len(rows)
