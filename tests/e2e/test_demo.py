"""`make demo`'s path on the embedded PostgreSQL (unix socket in the project's var/ folder), as a fresh machine runs it."""

from __future__ import annotations

import os
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
    assert "=== KPI summary ===" in result.stdout and "dau" in result.stdout
    assert f"host={tmp_path / 'var' / 'pgdata'}" in result.stdout  # the embedded server, in the project's var/ folder
    assert (tmp_path / "var" / "report" / "index.html").exists()
    assert not embedded.is_running(tmp_path / "var" / "pgdata")
