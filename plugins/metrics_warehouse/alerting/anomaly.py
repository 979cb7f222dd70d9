"""Anomalies learned from history, computed in the warehouse.

A KPI series (a rule's query: subject, period, value) is judged period by period against its own past: the expected
value is the median of the same weekdays of the `training` weeks before (seasonality weekly) or of the `training`
periods before (seasonality none), or with `trend` their least-squares line carried forward to the judged period (for
a KPI that grows week by week); the spread is their median absolute deviation scaled to a standard deviation (with
`trend`: the standard deviation of the residuals). A period is anomalous when it moved in the
rule's direction by more than `sensitivity` x spread and by more than `min_change` of the expected value.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import psycopg
from psycopg.rows import dict_row

from metrics_warehouse.alerting.config import Condition, Rule

# Periods that share a season are compared: the ISO weekday (weekly) or all of them (none).
_SEASON = {"weekly": "extract(isodow from period)", "none": "0"}
_MOVED = {
    "drop": "expected - value",
    "rise": "value - expected",
    "both": "abs(value - expected)",
}

_JUDGED = """
with series as (
    select subject::text as subject, period::date as period, value::float8 as value
    from ({query}) as rule_query
    where value is not null and period is not null
),
ordered as (
    select *, dense_rank() over (partition by subject, {season} order by period) as ordinal
    from series
),
pairs as (
    select s.subject, s.period, s.value, s.ordinal, h.value as past, h.ordinal as past_ordinal
    from ordered as s
    inner join ordered as h
        on h.subject = s.subject and {season_h} = {season_s}
        and h.ordinal between s.ordinal - %(training)s and s.ordinal - 1
),
centre as (
    select
        subject, period, value, count(*) as history,
        percentile_cont(0.5) within group (order by past) as median,
        regr_intercept(past, past_ordinal) + regr_slope(past, past_ordinal) * ordinal as line,
        sqrt(greatest(regr_syy(past, past_ordinal) - regr_sxy(past, past_ordinal) ^ 2
            / nullif(regr_sxx(past, past_ordinal), 0), 0) / nullif(count(*) - 2, 0)) as line_spread
    from pairs
    group by subject, period, value, ordinal
),
judged as (
    select
        c.subject, c.period, c.value, c.history,
        case when %(trend)s and c.history >= 3 then c.line else c.median end as expected,
        case when %(trend)s and c.history >= 3 then c.line_spread
            -- the median absolute deviation, scaled to a standard deviation: one holiday in the past weeks
            -- does not make every later drop look ordinary
            else 1.4826 * percentile_cont(0.5) within group (order by abs(p.past - c.median))
        end as spread
    from centre as c
    inner join pairs as p on p.subject = c.subject and p.period = c.period
    group by c.subject, c.period, c.value, c.history, c.median, c.line, c.line_spread
)
select
    subject, period, value, expected, spread, history,
    (value - expected) / nullif(abs(expected), 0) as relative_change,
    history >= %(min_history)s
        and {moved} > %(sensitivity)s * spread
        and {moved} > %(min_change)s * abs(expected)
        and {moved} >= %(min_delta)s as anomalous
from judged
{where}
order by subject, period
"""


@dataclass(frozen=True)
class Judgement:
    subject: str
    period: date
    value: float
    expected: float
    spread: float
    history: int
    relative_change: float | None
    anomalous: bool


def judge(conn: psycopg.Connection, rule: Rule, *, latest_only: bool) -> list[Judgement]:
    """Every period of the rule's series with its expected value; `latest_only`: the newest period of the series."""
    condition = rule.condition
    season = _SEASON[condition.seasonality]
    sql = _JUDGED.format(
        query=rule.query,
        season=season,
        season_h=season.replace("period", "h.period"),
        season_s=season.replace("period", "s.period"),
        moved=_MOVED[condition.direction],
        where="where period = (select max(period) from series)" if latest_only else "",
    )
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(sql, _parameters(condition))
        return [Judgement(**row) for row in cur.fetchall()]


def anomalies(conn: psycopg.Connection, rule: Rule) -> list[Judgement]:
    """The anomalous periods over the whole history of the rule's series (a backtest of its settings)."""
    return [j for j in judge(conn, rule, latest_only=False) if j.anomalous]


def _parameters(condition: Condition) -> dict[str, float | int]:
    return {
        "training": condition.training,
        "min_history": condition.min_history,
        "sensitivity": condition.sensitivity,
        "min_change": condition.min_change,
        "min_delta": condition.min_delta,
        "trend": condition.trend,
    }
