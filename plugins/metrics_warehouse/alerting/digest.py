"""The daily digest (运营日报): for each owner, their KPIs against the expected values their anomaly rules learned,
their targets of the current period, and the alerts still open, sent through their channels.

Each KPI is named and its values shown as the report does (reporting.display: the KPI dictionary's Chinese and English
labels and unit, money in the reporting currency), and the digest's own words are in both languages too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg

from metrics_warehouse.alerting import anomaly, channels
from metrics_warehouse.alerting.config import Rule, load_rules
from metrics_warehouse.docs.dictionary import load_dictionary
from metrics_warehouse.owners import Owner, load_owners
from metrics_warehouse.reporting.display import Vocabulary, change, show
from metrics_warehouse.settings import load_settings
from metrics_warehouse.targets import target_kinds
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
    vocab = Vocabulary(load_dictionary(), load_settings().reporting_currency)
    digests = []
    with connect(url, autocommit=True) as conn:
        day = conn.execute("select max(as_of_date) from marts.dim_reporting_window").fetchone()[0]
        for owner in owners.values():
            lines = _lines(conn, vocab, owner.name, [r for r in rules if r.owner == owner.name])
            if lines:
                text = "\n".join([f"运营日报 / daily digest {day} - {owner.name}", *lines])
                deliveries = _deliver(owner, text, day) if send else {}
                digests.append(Digest(owner.name, day, text, deliveries))
    return digests


def _lines(conn: psycopg.Connection, vocab: Vocabulary, owner: str, rules: list[Rule]) -> list[str]:
    kpis = [
        _kpi_line(vocab, r, j)
        for r in rules
        if r.condition.kind == "anomaly"
        for j in _judged(conn, r)
        if j.relative_change is not None
    ]
    targets = [
        _target_line(vocab, *row)
        for row in conn.execute(
            """
            select t.target_name, t.kpi, t.channel, t.forecast, t.direction, t.target, t.attainment, t.on_track
            from kpi.kpi_targets as t cross join marts.dim_reporting_window as a
            where t.owner = %s and a.as_of_date between t.period_start and t.period_end and t.forecast is not null
            order by t.target_name
            """,
            (owner,),
        )
    ]
    still_open = [
        f"  {rule}: {subject} (自 since {opened:%Y-%m-%d})"
        for rule, subject, opened in conn.execute(
            """
            select s.rule, s.subject, s.opened_at from ops.alert_state as s
            where s.status = 'open' and coalesce(s.owner, %s) = %s and s.rule = any(%s)
            order by s.opened_at
            """,
            (owner, owner, [r.name for r in rules]),
        )
    ]
    sections = (
        ("指标与预期 KPIs vs expected:", kpis),
        ("本期目标 Targets this period:", targets),
        ("未关闭告警 Open alerts:", still_open),
    )
    return [line for title, body in sections if body for line in (title, *body)]


def _kpi_line(vocab: Vocabulary, rule: Rule, judged: anomaly.Judgement) -> str:
    """`  付费率 Paying rate 2026-11-15: 6.3% (预期 expected 12.7%, -50%)`, the channel (or other `by` column) after
    the name of a KPI judged per channel, and the days of a rule whose values are N-day aggregates."""
    column = _column(vocab, rule.measures)
    if column is None:  # a query rule that names no kpi column: its subject, as a plain number
        name, unit = judged.subject, "number"
    else:
        table, name, unit = column[0], vocab.name(*column), vocab.column(*column).unit
        if by := (rule.kpi or {}).get("by"):
            name += f" · {vocab.name(table, by)} {judged.subject}"
    if (days := rule.condition.window) > 1:
        name += f" （近{days}日 last {days} days）"
    return (
        f"  {name} {judged.period}: {show(judged.value, unit, vocab.currency)} "
        f"(预期 expected {show(judged.expected, unit, vocab.currency)}, {change(judged.relative_change)})"
        + ("  << 异常 anomaly" if judged.anomalous else "")
    )


def _target_line(vocab: Vocabulary, name: str, kpi: str, channel: str | None, forecast, direction: str, target,
                 attainment, on_track: bool) -> str:  # fmt: skip
    """`  monthly_net_revenue: 净收入 Net revenue 预测 forecast ¥41,200.00 vs 至少 at least ¥45,000.00 (91.6%, 未达标
    OFF TRACK)`, with the channel of a per-channel target."""
    table, column = target_kinds()[kpi].measures.split(".")
    label = vocab.name(table, column) + (f" · {vocab.name('kpi_targets', 'channel')} {channel}" if channel else "")
    bound = {"at_least": "至少 at least", "at_most": "至多 at most"}[direction]
    return (
        f"  {name}: {label} 预测 forecast {vocab.show(table, column, forecast)} vs {bound} "
        f"{vocab.show(table, column, target)} ({vocab.show('kpi_targets', 'attainment', attainment)}, "
        f"{'达标 on track' if on_track else '未达标 OFF TRACK'})"
    )


def _column(vocab: Vocabulary, measures: str | None) -> tuple[str, str] | None:
    """The (kpi model, column) a rule measures, when the KPI dictionary has it."""
    if measures is None:
        return None
    table, column = measures.split(".")
    try:
        vocab.column(table, column)
    except StopIteration:
        log.warning("digest: %s is no column of the KPI dictionary; its values are shown as plain numbers", measures)
        return None
    return table, column


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
