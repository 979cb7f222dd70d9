"""Open/recovered bookkeeping in ops.alert_state: a condition is announced when it opens and once when it clears."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg

from metrics_warehouse.alerting.config import Rule
from metrics_warehouse.alerting.rules import Violation


@dataclass(frozen=True)
class Transitions:
    opened: list[Violation]
    recovered: list[Violation]  # value/threshold as last seen while open


def apply(conn: psycopg.Connection, rule: Rule, found: list[Violation], now: datetime) -> Transitions:
    open_rows = {
        subject: Violation(rule.name, subject, value, threshold, owner=owner)
        for subject, value, threshold, owner in conn.execute(
            "select subject, value, threshold, owner from ops.alert_state where rule = %s and status = 'open'",
            (rule.name,),
        )
    }
    current = {v.subject: v for v in found}
    opened = [v for s, v in current.items() if s not in open_rows]
    recovered = [v for s, v in open_rows.items() if s not in current]
    with conn.cursor() as cur:
        cur.executemany(
            """
            insert into ops.alert_state as s (rule, subject, status, severity, value, threshold, opened_at, last_seen_at,
                owner)
            values (%s, %s, 'open', %s, %s, %s, %s, %s, %s)
            on conflict (rule, subject) do update set
                status = 'open', severity = excluded.severity, value = excluded.value, threshold = excluded.threshold,
                owner = excluded.owner,
                opened_at = case when s.status = 'open' then s.opened_at else excluded.opened_at end,
                last_seen_at = excluded.last_seen_at, recovered_at = null
            """,
            [(rule.name, v.subject, rule.severity, v.value, v.threshold, now, now, v.owner) for v in found],
        )
        cur.executemany(
            "update ops.alert_state set status = 'recovered', recovered_at = %s where rule = %s and subject = %s",
            [(now, rule.name, v.subject) for v in recovered],
        )
    return Transitions(opened, recovered)
