"""KPI anomalies learned from history, in PostgreSQL, with the shipped rule for DAU: weekly seasonality, direction,
the backtest over the whole series, and the drill-down naming the segment behind a drop (message and details); the daily
digest that lists the owners' KPIs against their expected values."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import psycopg
import pytest

from metrics_warehouse.alerting import anomaly, engine
from metrics_warehouse.alerting.config import load_rules
from metrics_warehouse.alerting.digest import send_digests

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
LAST_DAY = date(2026, 11, 19)
PLATFORMS = {"ios": 0.35, "android": 0.40, "web": 0.10, "miniprogram": 0.15}

# Six weeks of DAU with a strong weekly season (weekends at 60 %) and a little noise, split by platform and by
# new / returning users in kpi_segments_daily.
SERIES = """
drop schema if exists kpi cascade;
create schema kpi;
create table kpi.kpi_segments_daily (date date, metric text, subject text, dimension text, segment text,
    numerator numeric, denominator numeric);
create table kpi.kpi_daily as
select day::date as date,
    round((case when extract(isodow from day) > 5 then 300 else 500 end) * (1 + 0.03 * sin(extract(doy from day))))::int
        as dau
from generate_series(date '2026-10-08', date '2026-11-19', interval '1 day') as day;
insert into kpi.kpi_segments_daily
select d.date, 'dau', 'all', 'platform', p.platform, round(d.dau * p.share), null::numeric
from kpi.kpi_daily as d cross join (values {platforms}) as p (platform, share)
union all
select d.date, 'dau', 'all', 'user_type', u.segment, round(d.dau * u.share), null::numeric
from kpi.kpi_daily as d cross join (values ('new', 0.1), ('returning', 0.9)) as u (segment, share);
""".format(platforms=", ".join(f"('{p}', {s})" for p, s in PLATFORMS.items()))

# The last day: iOS users cannot get in (5 % of them remain); the others as usual.
IOS_OUTAGE = f"""
update kpi.kpi_segments_daily set numerator = round(numerator * 0.05)
where date = '{LAST_DAY}' and dimension = 'platform' and segment = 'ios';
update kpi.kpi_segments_daily as s set numerator = round(s.numerator * (1 - 0.95 * {PLATFORMS["ios"]}))
where s.date = '{LAST_DAY}' and s.dimension = 'user_type';
update kpi.kpi_daily set dau = (
    select sum(numerator) from kpi.kpi_segments_daily
    where date = '{LAST_DAY}' and dimension = 'platform'
) where date = '{LAST_DAY}';
"""


@pytest.fixture
def warehouse(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute("truncate ops.alerts; drop table if exists ops.alert_state;" + SERIES)
    return pg_url


def dau_rule():
    [rule] = [r for r in load_rules() if r.name == "dau_anomaly"]
    return rule


def test_weekly_season_is_learned_so_weekends_are_not_drops(warehouse):
    with psycopg.connect(warehouse) as conn:
        judged = anomaly.judge(conn, dau_rule(), latest_only=False)
        assert anomaly.anomalies(conn, dau_rule()) == []
    weekends = [j for j in judged if j.period.isoweekday() > 5]
    assert weekends and all(abs(j.relative_change) < 0.1 for j in weekends)
    assert min(j.period for j in judged if j.history >= 3) == date(2026, 10, 29)  # three same weekdays before
    assert engine.evaluate(warehouse, now=NOW) == []


def test_a_rise_is_not_a_drop(warehouse):
    with psycopg.connect(warehouse) as conn:
        conn.execute(f"update kpi.kpi_daily set dau = dau * 3 where date = '{LAST_DAY}'")
        assert anomaly.anomalies(conn, dau_rule()) == []


def test_drop_is_caught_on_its_day_with_the_segment_that_caused_it(warehouse):
    with psycopg.connect(warehouse) as conn:
        conn.execute(IOS_OUTAGE)
        assert [(j.subject, j.period) for j in anomaly.anomalies(conn, dau_rule())] == [("dau", LAST_DAY)]

    [alert] = engine.evaluate(warehouse, now=NOW)

    assert (alert.rule, alert.subject, alert.owner) == ("dau_anomaly", "dau", "product_analytics")
    top = alert.details["segments"][0]
    assert (top["dimension"], top["segment"]) == ("platform", "ios")
    assert top["share"] > 0.9 and top["contribution"] < 0
    assert alert.details["expected"] == pytest.approx(500, rel=0.06)
    with psycopg.connect(warehouse) as conn:
        messages, details = zip(*conn.execute("select message, details from ops.alerts").fetchall(), strict=True)
    assert len(set(messages)) == 1 and details[0] == json.loads(json.dumps(alert.details))
    headline = messages[0].splitlines()[2]
    assert headline.startswith(f"dau {LAST_DAY}: ") and "expected 5" in headline
    assert headline.endswith("of the drop)") and " - platform=ios -" in headline


# The digest's day and the owners' targets of the month (kpi_targets' columns the digest reads).
DIGEST_TABLES = f"""
create schema if not exists marts;
drop table if exists marts.dim_reporting_window;
create table marts.dim_reporting_window as select date '{LAST_DAY}' as as_of_date;
create table kpi.kpi_targets (target_name text, kpi text, channel text, forecast numeric, direction text,
    target numeric, attainment numeric, on_track boolean, owner text, period_start date, period_end date);
insert into kpi.kpi_targets values
    ('monthly_avg_dau', 'dau', null, 452.5, 'at_least', 350, 1.29, true, 'product_analytics', '2026-11-01', '2026-11-30'),
    ('monthly_net_revenue', 'net_revenue', null, 41200, 'at_least', 45000, 0.9156, false, 'finance', '2026-11-01',
        '2026-11-30'),
    ('douyin_cac_ceiling', 'cac', 'douyin', 120.5, 'at_most', 150, 1.2448, true, 'growth_marketing', '2026-11-01',
        '2026-11-30');
"""


def test_daily_digest_shows_each_owner_their_kpis_against_expected_and_targets(warehouse):
    with psycopg.connect(warehouse) as conn:
        conn.execute(IOS_OUTAGE)
        conn.execute(DIGEST_TABLES)
    engine.evaluate(warehouse, now=NOW)

    digests = {d.owner: d for d in send_digests(warehouse, send=False)}

    text = digests["product_analytics"].text.splitlines()
    assert text[0] == f"运营日报 / daily digest {LAST_DAY} - product_analytics"
    [dau] = [line for line in text if line.startswith("  日活跃用户（日活） Daily active users (DAU) ")]
    assert dau.startswith(f"  日活跃用户（日活） Daily active users (DAU) {LAST_DAY}: 339 (预期 expected 52")
    assert dau.endswith(", -35%)  << 异常 anomaly")
    assert (
        "  monthly_avg_dau: 日活跃用户（日活） Daily active users (DAU) 预测 forecast 453 vs 至少 at least 350 "
        "(129.0%, 达标 on track)"
    ) in text
    assert any(line.startswith("  dau_anomaly: dau (自 since ") for line in text)


def test_the_digest_names_each_kpi_and_shows_values_as_the_report_does(warehouse, monkeypatch):
    """A count, a money and a ratio KPI, a KPI per channel and targets: the dictionary's labels, the report's formats
    (grouping, the reporting currency, percentages), each line by the owner its rule names."""
    with psycopg.connect(warehouse) as conn:
        conn.execute(f"""
            alter table kpi.kpi_daily add column orders int, add column net_revenue numeric,
                add column paying_rate numeric;
            update kpi.kpi_daily set orders = 1250, net_revenue = 18650.40, paying_rate = 0.05;
            update kpi.kpi_daily set orders = 1012, net_revenue = 9120.25, paying_rate = 0.06345
            where date = '{LAST_DAY}';
            create table kpi.kpi_channel_daily as
            select date, 'baidu_sem'::text as channel, case when date = '{LAST_DAY}' then 230.6 else 185.9 end as cac
            from kpi.kpi_daily;
        """)
        conn.execute(DIGEST_TABLES)
    assert engine.evaluate(warehouse, now=NOW) == []  # none of these moves is an anomaly
    monkeypatch.setenv("METRICS_REPORTING_CURRENCY", "usd")

    digests = {d.owner: d.text.splitlines() for d in send_digests(warehouse, send=False)}

    assert digests["finance"][1:] == [
        "指标与预期 KPIs vs expected:",
        f"  订单数 Orders {LAST_DAY}: 1,012 (预期 expected 1,250, -19%)",
        f"  净收入 Net revenue {LAST_DAY}: $9,120.25 (预期 expected $18,650.40, -51%)",
        "本期目标 Targets this period:",
        "  monthly_net_revenue: 净收入 Net revenue 预测 forecast $41,200.00 vs 至少 at least $45,000.00 "
        "(91.6%, 未达标 OFF TRACK)",
    ]
    assert f"  付费率 Paying rate {LAST_DAY}: 6.3% (预期 expected 5.0%, +27%)" in digests["product_analytics"]
    assert digests["growth_marketing"][1:] == [
        "指标与预期 KPIs vs expected:",
        f"  获客成本 Customer acquisition cost (CAC) · 渠道 Channel baidu_sem {LAST_DAY}: $230.60 "
        "(预期 expected $185.90, +24%)",
        "本期目标 Targets this period:",
        "  douyin_cac_ceiling: 获客成本 Customer acquisition cost (CAC) · 渠道 Channel douyin 预测 forecast $120.50 vs "
        "至多 at most $150.00 (124.5%, 达标 on track)",
    ]
