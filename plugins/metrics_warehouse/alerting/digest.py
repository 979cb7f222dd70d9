"""The daily digest (运营日报): for each owner, their KPIs against the expected values their anomaly rules learned,
their targets of the current period, and the alerts still open, sent through their channels."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

from metrics_warehouse.alerting import anomaly, channels
from metrics_warehouse.alerting.config import Rule, load_rules
from metrics_warehouse.owners import Owner, load_owners
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Digest:
    owner: str
    day: date | None
    text: str
    deliveries: dict[str, str]  # channel -> sent | failed: ... | skipped: ...


def send_digests(url: str, *, rules_path: Path | str | None = None, owners_path: Path | str | None = None,
                 send: bool = True) -> list[Digest]:  # fmt: skip
    """One digest per owner with anything to report; delivery problems are logged, never raised."""
    owners, rules = load_owners(owners_path), [r for r in load_rules(rules_path) if r.enabled]
    digests = []
    with connect(url, autocommit=True) as conn:
        day = conn.execute("select max(as_of_date) from marts.dim_reporting_window").fetchone()[0]
        for owner in owners.values():
            lines = _lines(conn, owner.name, [r for r in rules if r.owner == owner.name])
            if lines:
                text = "\n".join([f"运营日报 / daily digest {day} - {owner.name}", *lines])
                deliveries = _deliver(owner, text, day) if send else {}
                digests.append(Digest(owner.name, day, text, deliveries))
    return digests


def _lines(conn: psycopg.Connection, owner: str, rules: list[Rule]) -> list[str]:
    kpis = [
        f"  {j.subject} {j.period}: {j.value:,.4g} (expected {j.expected:,.4g}, {j.relative_change:+.0%})"
        + ("  << anomaly" if j.anomalous else "")
        for r in rules
        if r.condition.kind == "anomaly"
        for j in _judged(conn, r)
        if j.relative_change is not None
    ]
    targets = [
        f"  {name}: {kpi} forecast {forecast:,.4g} vs {direction.replace('_', ' ')} {target:,.4g} "
        f"({attainment or 0:.0%}, {'on track' if on_track else 'OFF TRACK'})"
        for name, kpi, forecast, direction, target, attainment, on_track in conn.execute(
            """
            select t.target_name, t.kpi, t.forecast, t.direction, t.target, t.attainment, t.on_track
            from kpi.kpi_targets as t cross join marts.dim_reporting_window as a
            where t.owner = %s and a.as_of_date between t.period_start and t.period_end and t.forecast is not null
            order by t.target_name
            """,
            (owner,),
        )
    ]
    still_open = [
        f"  {rule}: {subject} (since {opened:%Y-%m-%d})"
        for rule, subject, opened in conn.execute(
            """
            select s.rule, s.subject, s.opened_at from ops.alert_state as s
            where s.status = 'open' and coalesce(s.owner, %s) = %s and s.rule = any(%s)
            order by s.opened_at
            """,
            (owner, owner, [r.name for r in rules]),
        )
    ]
    sections = (("KPIs vs expected:", kpis), ("Targets this period:", targets), ("Open alerts:", still_open))
    return [line for title, body in sections if body for line in (title, *body)]


def _judged(conn: psycopg.Connection, rule: Rule) -> list[anomaly.Judgement]:
    try:
        return anomaly.judge(conn, rule, latest_only=True)
    except psycopg.Error as error:  # a KPI not built yet is left out of the digest
        log.warning("digest: %s not judged: %s", rule.name, str(error).strip())
        return []


def _deliver(owner: Owner, text: str, day: date | None) -> dict[str, str]:
    message = channels.Message(f"[metrics] 运营日报 {day} - {owner.name}", text, {"digest": owner.name, "text": text})
    done = {}
    for config in owner.channels:
        try:
            channels.build(config).send(message)
            done[config.name] = "sent"
        except channels.NotConfigured as missing:
            done[config.name] = f"skipped: {missing}"
        except Exception as failure:  # noqa: BLE001 - a digest that cannot go out is logged, not fatal
            done[config.name] = f"failed: {failure}"
            log.warning("digest to %s via %s failed: %s", owner.name, config.name, failure)
    return done
