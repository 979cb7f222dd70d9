"""The cause behind a KPI alert: its change against the expected value split over the segments of kpi_segments_daily.

Each segment is compared with its own past, over the same days the anomaly rule learned from (the same weekdays of the
training weeks, or the days before when the rule has no weekly season), summed over the rule's window of days. An additive metric's segment contributes its
own change (actual - expected); a ratio's segment contributes its rate change weighted by its share of today's
denominator. Segments are ranked by how much more of the KPI's move (in the alert's direction) they explain than their
usual share of the KPI: a segment that is 90 % of the users and 90 % of the drop names nothing, one that is 35 % of the
users and 86 % of the drop is the cause.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import psycopg
from psycopg.rows import dict_row

from metrics_warehouse.alerting.anomaly import Judgement
from metrics_warehouse.alerting.config import Rule

SEGMENTS_TABLE = "kpi.kpi_segments_daily"
TOP_SEGMENTS = 5
MIN_SHARE = 0.05  # segments explaining less of the change are not listed
STANDS_OUT = 0.1  # the headline names the first segment only if it explains this much more than its usual share

_CONTRIBUTIONS = f"""
with segments as (
    select * from {SEGMENTS_TABLE}
    where metric = %(metric)s and subject = any(%(subjects)s)
),
-- the judged window (k = 0) and the training windows before it, each `window` days ending on its day
windows as (
    select k, (%(day)s::date - %(step)s * k) as ends from generate_series(0, %(training)s) as k
),
summed as (
    select windows.k, s.dimension, s.segment, sum(s.numerator) as numerator, sum(s.denominator) as denominator
    from windows
    inner join segments as s on s.date between windows.ends - %(window)s + 1 and windows.ends
    group by windows.k, s.dimension, s.segment
),
keys as (
    select distinct dimension, segment from summed
),
learned as (
    select
        keys.dimension, keys.segment,
        percentile_cont(0.5) within group (order by coalesce(s.numerator, 0)) as expected_numerator,
        percentile_cont(0.5) within group (order by coalesce(s.denominator, 0)) as expected_denominator
    from keys
    cross join windows
    left join summed as s on s.dimension = keys.dimension and s.segment = keys.segment and s.k = windows.k
    where windows.k > 0
    group by keys.dimension, keys.segment
),
today as (
    select dimension, segment, numerator, denominator,
        sum(denominator) over (partition by dimension) as dimension_denominator
    from summed where k = 0
)
select
    learned.dimension, learned.segment,
    coalesce(today.numerator, 0)::float8 as actual_numerator,
    learned.expected_numerator::float8 as expected_numerator,
    today.denominator::float8 as actual_denominator,
    learned.expected_denominator::float8 as expected_denominator,
    case
        when %(ratio)s then coalesce(
            (today.numerator / nullif(today.denominator, 0)
                - learned.expected_numerator / nullif(learned.expected_denominator, 0))
            * today.denominator / nullif(today.dimension_denominator, 0),
            0)
        else coalesce(today.numerator, 0) - learned.expected_numerator
    end::float8 as contribution
from learned
left join today on today.dimension = learned.dimension and today.segment = learned.segment
"""


@dataclass(frozen=True)
class Segment:
    dimension: str
    segment: str
    actual: float  # the segment's figure today (its rate for a ratio metric)
    expected: float | None
    contribution: float  # to the KPI's change, in the KPI's unit
    share: float  # of the KPI's change (1.0 = all of it)
    excess: float  # share minus the segment's usual share of the KPI: how much it stands out

    def describe(self, move: str) -> str:
        return f"{self.dimension}={self.segment} {_signed(self.contribution)} ({self.share:.0%} of the {move})"


def explain(conn: psycopg.Connection, rule: Rule, judgement: Judgement) -> list[Segment]:
    """The segments that explain most of the judged change, best first (at most TOP_SEGMENTS)."""
    condition = rule.condition
    ratio = _is_ratio(conn, rule.drilldown)
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            _CONTRIBUTIONS,
            {
                "metric": rule.drilldown,
                "subjects": [judgement.subject, "all"],
                "day": judgement.period,
                "step": 7 if condition.seasonality == "weekly" else 1,
                "training": condition.training,
                "window": condition.window,
                "ratio": ratio,
            },
        )
        rows = cur.fetchall()
    change = judgement.value - judgement.expected
    if not change:
        return []
    usual = _usual_shares(rows, ratio)
    moved = [r for r in rows if r["contribution"] / change >= MIN_SHARE]
    segments = [_segment(row, change, ratio, usual[row["dimension"], row["segment"]]) for row in moved]
    return sorted(segments, key=lambda segment: segment.excess, reverse=True)[:TOP_SEGMENTS]


def _usual_shares(rows: list[dict], ratio: bool) -> dict[tuple[str, str], float]:
    """Each segment's expected share of its dimension (0 for a ratio: its contribution is its own rate change)."""
    totals: dict[str, float] = {}
    for row in rows:
        totals[row["dimension"]] = totals.get(row["dimension"], 0.0) + (row["expected_numerator"] or 0.0)
    return {
        (r["dimension"], r["segment"]): 0.0
        if ratio or not totals[r["dimension"]]
        else (r["expected_numerator"] or 0.0) / totals[r["dimension"]]
        for r in rows
    }


def details(judgement: Judgement, segments: list[Segment], rule: Rule) -> dict:
    """What ops.alerts.details keeps: the judgement and the ranked segments."""
    return {
        "kpi": rule.kpi["column"] if rule.kpi else judgement.subject,
        "subject": judgement.subject,
        "date": judgement.period.isoformat(),
        "value": judgement.value,
        "expected": judgement.expected,
        "change": judgement.value - judgement.expected,
        "relative_change": judgement.relative_change,
        "spread": judgement.spread,
        "history": judgement.history,
        "direction": rule.condition.direction,
        "segments_metric": rule.drilldown,
        "segments": [asdict(s) for s in segments],
    }


def headline(rule: Rule, judgement: Judgement, segments: list[Segment]) -> str:
    """e.g. `dau 2026-10-31: 402, expected 590 (-32 %) - platform=ios -161 (86 % of the drop)`."""
    kpi = rule.kpi["column"] if rule.kpi else judgement.subject
    subject = "" if judgement.subject == kpi else f" [{judgement.subject}]"
    relative = f" ({judgement.relative_change:+.0%})" if judgement.relative_change is not None else ""
    text = (
        f"{kpi}{subject} {judgement.period:%Y-%m-%d}: {_number(judgement.value)}, "
        f"expected {_number(judgement.expected)}{relative}"
    )
    if segments and segments[0].excess >= STANDS_OUT:
        move = "drop" if judgement.value < judgement.expected else "rise"
        text += " - " + segments[0].describe(move)
    elif rule.drilldown:
        text += " - across all segments (none stands out)"
    return text


def _segment(row: dict, change: float, ratio: bool, usual_share: float) -> Segment:
    if ratio:
        actual = row["actual_numerator"] / row["actual_denominator"] if row["actual_denominator"] else 0.0
        expected = row["expected_numerator"] / row["expected_denominator"] if row["expected_denominator"] else None
    else:
        actual, expected = row["actual_numerator"], row["expected_numerator"]
    share = row["contribution"] / change
    return Segment(row["dimension"], row["segment"], actual, expected, row["contribution"], share, share - usual_share)


def _is_ratio(conn: psycopg.Connection, metric: str | None) -> bool:
    found = conn.execute(
        f"select bool_or(denominator is not null) from {SEGMENTS_TABLE} where metric = %s", (metric,)
    ).fetchone()
    return bool(found and found[0])


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.3g}"


def _signed(value: float) -> str:
    return ("+" if value > 0 else "-") + _number(abs(value))
