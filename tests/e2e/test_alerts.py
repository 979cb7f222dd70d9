"""Alerts end to end: the sample landing zone with planted problems raises exactly the expected alerts, to the rule's owner,
once, the KPI anomalies naming the segment behind them; the clean sample raises none, and its KPI anomaly rules find
nothing over the whole window. The real pipeline (`make run`'s path) on the default-size sample."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

from metrics_local.sample import generate
from metrics_warehouse.alerting import anomaly
from metrics_warehouse.alerting.config import load_rules
from metrics_warehouse.alerting.engine import evaluate
from tests.e2e.conftest import PROJECT, run_pipeline

pytestmark = pytest.mark.e2e

LAST_DAY = date(2026, 11, 15)  # the sample's end date: planted problems happen on it
DATA_PROBLEMS = ("unknown_alias", "volume_drop", "nps_collapse", "stale_source")
BUSINESS_PROBLEMS = ("segment_drop", "cac_spike", "complaint_surge", "target_missed")
PAID_CHANNELS = ("baidu_sem", "douyin", "tencent_ads", "wechat", "weibo", "xiaohongshu")
EXPECTED = {
    # A quarter of the last day's events missing drops every count and raises every channel's CAC (spend arrived).
    DATA_PROBLEMS: {
        ("unmapped_channel_alias", "kuaishou_new", "growth_marketing"),
        ("volume_anomaly", "events", "data_engineering"),
        ("source_stale", "feedback", "data_engineering"),
        ("dau_anomaly", "dau", "product_analytics"),
        ("new_users_anomaly", "new_users", "growth_marketing"),
        ("paid_new_users_anomaly", "paid_new_users", "growth_marketing"),
        ("orders_anomaly", "orders", "finance"),
        ("retention_d1_anomaly", "retention_d1", "product_analytics"),
        *{("channel_cac_anomaly", channel, "growth_marketing") for channel in PAID_CHANNELS},
        ("nps_anomaly", "nps", "customer_experience"),
        ("target_off_track", "monthly_nps", "customer_experience"),
    },
    BUSINESS_PROBLEMS: {
        ("dau_anomaly", "dau", "product_analytics"),
        ("channel_cac_anomaly", "douyin", "growth_marketing"),
        ("complaints_anomaly", "complaints", "customer_experience"),
        ("target_off_track", "monthly_net_revenue", "finance"),
    },
}
# The segment each business anomaly names: (rule, subject) -> "dimension=segment" (douyin's CAC rose on both of its
# campaigns alike, so no segment stands out there)
NAMED = {
    ("dau_anomaly", "dau"): "platform=android",
    ("complaints_anomaly", "complaints"): "feedback_channel=phone",
}


def alerts(url: str) -> list[tuple[str, str, str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("select rule, subject, owner, channel from ops.alerts where kind = 'alert'").fetchall()


def first_segments(url: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(rule, subject) -> (date judged, the first segment named, the message as sent) of each KPI anomaly alert."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "select distinct rule, subject, details ->> 'date', details -> 'segments' -> 0, message"
            " from ops.alerts where kind = 'alert' and details ? 'segments'"
        ).fetchall()
    return {
        (rule, subject): (day, f"{segment['dimension']}={segment['segment']}" if segment else "", message)
        for rule, subject, day, segment, message in rows
    }


def backtest(url: str) -> dict[str, list[tuple[str, str]]]:
    """Every period of every KPI anomaly rule judged anomalous, over the whole window."""
    with psycopg.connect(url, autocommit=True) as conn:
        return {
            rule.name: [(j.subject, str(j.period)) for j in found]
            for rule in load_rules()
            if rule.condition.kind == "anomaly" and (found := anomaly.anomalies(conn, rule))
        }


@pytest.mark.parametrize(
    "plant", [(), DATA_PROBLEMS, BUSINESS_PROBLEMS], ids=["clean", "data-problems", "business-problems"]
)
def test_planted_problems_raise_exactly_their_alerts_once(plant, tmp_path: Path, new_database) -> None:
    landing = tmp_path / "landing"
    generate(landing, clean=True, plant=plant, progress=False)
    with new_database(create=False) as url:
        env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT / "plugins"),
            "METRICS_LANDING_DIR": str(landing),
            "METRICS_WAREHOUSE_URL": url,
            "METRICS_REPORT_DIR": str(tmp_path / "report"),
        }
        result = run_pipeline(env)
        (tmp_path / "pipeline.log").write_text(result.stdout + result.stderr)
        assert result.returncode == 0, f"the pipeline failed: full log in {tmp_path / 'pipeline.log'}"
        raised = alerts(url)
        assert {(rule, subject, owner) for rule, subject, owner, _ in raised} == EXPECTED.get(plant, set())
        assert len(raised) == len(set(raised)), "an alert was sent twice on one channel"
        if not plant:
            assert backtest(url) == {}, "a KPI anomaly rule fires somewhere on the clean sample"
        if plant == BUSINESS_PROBLEMS:
            named = first_segments(url)
            for key, segment in NAMED.items():
                day, first, message = named[key]
                assert (day, first) == (str(LAST_DAY), segment), (key, named[key])
                assert first in message.splitlines()[2], "the message names the segment"
        assert evaluate(url, now=datetime.now(UTC)) == []  # the open conditions are not announced again
        assert sorted(alerts(url)) == sorted(raised)
