"""Alerts end to end: the sample landing zone with planted problems raises exactly the expected alerts, to the rule's owner,
once; the clean sample raises none. The real pipeline (`make run`'s path) on the default-size sample."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import psycopg
import pytest

from metrics_local.sample import generate
from metrics_warehouse.alerting.engine import evaluate
from tests.e2e.conftest import PROJECT, run_pipeline

pytestmark = pytest.mark.e2e

PLANTED = ("unknown_alias", "volume_drop", "nps_collapse", "stale_source")
EXPECTED = {
    ("unmapped_channel_alias", "kuaishou_new", "growth_marketing"),
    ("volume_anomaly", "events", "data_engineering"),
    ("dau_drop", "dau", "product_analytics"),
    ("nps_drop", "NPS", "customer_experience"),
    ("source_stale", "feedback", "data_engineering"),
}


def alerts(url: str) -> list[tuple[str, str, str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("select rule, subject, owner, channel from ops.alerts where kind = 'alert'").fetchall()


@pytest.mark.parametrize("plant, expected", [((), set()), (PLANTED, EXPECTED)], ids=["clean", "planted"])
def test_planted_problems_raise_exactly_their_alerts_once(plant, expected, tmp_path: Path, new_database) -> None:
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
        assert {(rule, subject, owner) for rule, subject, owner, _ in raised} == expected
        assert len(raised) == len(set(raised)), "an alert was sent twice on one channel"
        assert evaluate(url, now=datetime.now(UTC)) == []  # the open conditions are not announced again
        assert sorted(alerts(url)) == sorted(raised)
