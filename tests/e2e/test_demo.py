"""`make demo`'s path on the embedded PostgreSQL (unix socket in the project's var/ folder), as a fresh machine runs it."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from metrics_local import embedded

PROJECT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_demo_runs_on_the_embedded_warehouse_and_stops_it(tmp_path: Path) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if k != "METRICS_WAREHOUSE_URL"},
        "PYTHONPATH": str(PROJECT / "plugins"),
        "METRICS_VAR_DIR": str(tmp_path / "var"),
        "METRICS_LANDING_DIR": str(tmp_path / "landing"),
    }
    demo = [sys.executable, "-m", "metrics_local", "demo", "--days", "14", "--users", "150"]
    result = subprocess.run(demo, env=env, cwd=PROJECT, capture_output=True, text=True, timeout=1200)
    log = tmp_path / "demo.log"
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"make demo's path failed: full log in {log}"
    out = result.stdout
    assert len(out.splitlines()) < 150, "the demo prints a summary, not Airflow's log"
    progress = re.findall(r"\[\s*(\d+)/(\d+)\] (prepare|ingest|gates|dbt|KPI checks|publish|other) ", out)
    done, total = int(progress[-1][0]), int(progress[-1][1])
    assert done == total > 40, "every task of the DAG reported, numbered n of N"
    stages = {"prepare", "ingest", "gates", "dbt", "KPI checks", "publish", "other"}
    assert {stage for _, _, stage in progress} == stages
    pipeline_log = Path(re.search(r"full log in (\S+)", out)[1])
    assert (
        pipeline_log.is_relative_to(tmp_path / "var")
        and "[DAG TEST] end task task_id=publish" in pipeline_log.read_text()
    )
    assert "=== KPI summary ===" in out and "dau" in out
    assert f"embedded PostgreSQL in {tmp_path / 'var' / 'pgdata'}" in out and "make warehouse-start" in out
    assert "host=" not in out, "no URL of a server the demo has stopped"
    assert (tmp_path / "var" / "report" / "index.html").exists()
    assert not embedded.is_running(tmp_path / "var" / "pgdata")
