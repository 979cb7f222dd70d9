"""One real pipeline run for the end-to-end tests: a generated sample, a fresh database, `python -m metrics_local run`.

The run is the same path as `make run`: the real Airflow DAG under `airflow dags test`, real dbt through Cosmos, real GX.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from metrics_local.sample import generate
from metrics_local.sample.generate import Summary

PROJECT = Path(__file__).resolve().parents[2]


@dataclass
class PipelineRun:
    url: str
    landing: Path
    sample: Summary
    env: dict[str, str]
    output: str

    def run_again(self) -> subprocess.CompletedProcess:
        return run_pipeline(self.env)


def pipeline_env(landing: Path, url: str, root: Path) -> dict[str, str]:
    """The environment of a run over `landing` into `url`, with its report, var and Airflow folders below `root`."""
    return {
        **os.environ,
        "PYTHONPATH": str(PROJECT / "plugins"),
        "METRICS_LANDING_DIR": str(landing),
        "METRICS_WAREHOUSE_URL": url,
        "METRICS_REPORT_DIR": str(root / "report"),
        "METRICS_VAR_DIR": str(root / "var"),
    }


def run_pipeline(env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "metrics_local", "run"],
        env=env,
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=1500,
    )


@pytest.fixture(scope="session")
def pipeline(tmp_path_factory, new_database) -> PipelineRun:
    root = tmp_path_factory.mktemp("e2e")
    landing = root / "landing"
    sample = generate(landing, days=28, users=600, progress=False)
    with new_database(create=False) as url:  # the pipeline must create the database and everything in it
        env = pipeline_env(landing, url, root)
        result = run_pipeline(env)
        log = root / "pipeline.log"
        log.write_text(result.stdout + result.stderr)
        assert result.returncode == 0, f"the pipeline failed: full log in {log}\n{result.stderr[-3000:]}"
        yield PipelineRun(url, landing, sample, env, result.stdout + result.stderr)


@pytest.fixture(scope="session")
def tiny_reference(tmp_path_factory, new_database):
    """One clean run over a tiny landing zone (tests/e2e/killed_runs), timed once Airflow's metadata is made; the runs
    of the fault tests share its Airflow home."""
    from tests.e2e import killed_runs

    root = tmp_path_factory.mktemp("tiny")
    landing = killed_runs.tiny_landing(root)
    with new_database(create=False) as url:
        env = killed_runs.run_env(landing, url, root / "reference", root / "airflow")
        killed_runs.prepare_airflow(env)
        outcome = killed_runs.run(env, root / "reference.out")
        assert outcome.returncode == 0, outcome.output[-3000:]
        state = killed_runs.warehouse_state(url, root / "reference" / "report")
    return killed_runs.Reference(landing, root / "airflow", state, outcome.seconds)
