"""Whole pipeline runs (`python -m metrics_local run`) that can be killed with SIGKILL at a given moment, all their
processes with them, and what each one was doing then."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
import psycopg

from metrics_local.sample import generate
from tests.e2e import bad_inputs
from tests.e2e.conftest import PROJECT, pipeline_env
from tests.fingerprints import kpi_fingerprint, rows_fingerprint

STARTED = re.compile(r"\[DAG TEST\] starting task_id=(\S+)")
ENDED = re.compile(r"\[DAG TEST\] end task task_id=(\S+)")


# The raw gate's verdict on every file, and what it checked: a file checked by two runs has its results twice.
VERDICTS = "select path, status, validated_at is not null as validated, held_because from ops.ingest_ledger"
RAW_CHECKS = r"""
    select suite, target, source, delivery_date, expectation, severity, success, observed_value
    from ops.quality_results where suite like 'raw\_%'
"""
# Counted outright too: files without a verdict, and (with one landing zone, loaded at once) raw suites run twice.
UNVALIDATED = "select count(*) from ops.ingest_ledger where validated_at is null and status <> 'duplicate_file'"
CHECKED_TWICE = r"""
    select count(*) from (
        select suite from ops.quality_results where suite like 'raw\_%' group by suite having count(distinct run_id) > 1
    ) as twice
"""


def tiny_landing(root: Path) -> Path:
    """The smallest sample (14 days, 50 users) and a few cases of each kind from the catalogue of bad inputs."""
    landing = root / "landing"
    generate(landing, days=14, users=50, progress=False)
    lists = (bad_inputs.EVENTS, bad_inputs.FEEDBACK_CASES, bad_inputs.SPEND_CASES, bad_inputs.FILES, bad_inputs.SKIPPED)
    bad_inputs.write(landing, [case for cases in lists for case in cases[:3]])
    return landing


def run_env(landing: Path, url: str, root: Path, airflow_home: Path) -> dict[str, str]:
    """A run's environment; runs sharing `airflow_home` share Airflow's metadata (each run has a logical date of its
    own), so it is migrated once."""
    return {**pipeline_env(landing, url, root), "AIRFLOW_HOME": str(airflow_home)}


def prepare_airflow(env: dict[str, str]) -> None:
    """Airflow's metadata database and the dbt manifest, made before any run is timed."""
    script = "import os; from metrics_local import airflow_runner as a; a.ensure_metadata_db(a.airflow_env(os.environ['METRICS_WAREHOUSE_URL']))"
    subprocess.run([sys.executable, "-c", script], env=env, cwd=PROJECT, check=True, capture_output=True)


def warehouse_state(url: str, report_dir: Path) -> dict[str, str]:
    """What a run leaves that users read: every kpi table, the raw gate's verdicts and checks, the report."""
    with psycopg.connect(url) as conn:
        gate = {"raw verdicts": rows_fingerprint(conn, VERDICTS), "raw checks": rows_fingerprint(conn, RAW_CHECKS)}
        for name, query in (("files without a verdict", UNVALIDATED), ("raw suites run twice", CHECKED_TWICE)):
            gate[name] = str(conn.execute(query).fetchone()[0])
    report = report_dir / "index.html"
    whole = report.exists() and report.read_text(encoding="utf-8").rstrip().endswith("</html>")
    return {**kpi_fingerprint(url), **gate, "report": "whole" if whole else "missing or cut short"}


@dataclass(frozen=True)
class Reference:
    """A clean run over the tiny landing zone: the state it left and how long it took."""

    landing: Path
    airflow_home: Path
    state: dict[str, str]
    seconds: float

    def env(self, url: str, root: Path) -> dict[str, str]:
        return run_env(self.landing, url, root, self.airflow_home)


@dataclass(frozen=True)
class Outcome:
    seconds: float  # from the start to the kill or to the end
    returncode: int | None  # None: killed
    running: str  # the tasks running at the kill (from the run's Airflow log), or how the run ended
    output: str  # what the run printed (its progress lines, or the error)


def start(env: dict[str, str], output: Path) -> subprocess.Popen:
    """A run in a session of its own, its output to `output`."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "metrics_local", "run"],
            env=env,
            cwd=PROJECT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def run(env: dict[str, str], output: Path, kill_at: float | None = None, timeout: float = 1800) -> Outcome:
    """A run, killed `kill_at` seconds after its start unless it has ended by then."""
    began, started_at = time.monotonic(), time.time()
    process = start(env, output)
    try:
        process.wait(timeout=timeout if kill_at is None else kill_at)
    except subprocess.TimeoutExpired:
        if kill_at is None:
            kill(process)
            raise
        kill(process)
        return Outcome(time.monotonic() - began, None, running_tasks(env, started_at), output.read_text())
    return Outcome(time.monotonic() - began, process.returncode, f"ended ({process.returncode})", output.read_text())


def kill(process: subprocess.Popen) -> None:
    """SIGKILL the run and every process below it, those in sessions of their own too (Cosmos starts dbt with setsid):
    stopped first, so that none starts another or leaves the tree before the kill."""
    try:
        root = psutil.Process(process.pid)
        tree = [root, *root.children(recursive=True)]
        for proc in tree:
            _signal(proc, signal.SIGSTOP)
        tree = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    for proc in tree:
        _signal(proc, signal.SIGKILL)
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
    psutil.wait_procs(tree, timeout=30)


def _signal(proc: psutil.Process, signum: int) -> None:
    try:
        proc.send_signal(signum)
    except psutil.NoSuchProcess:
        pass


def running_tasks(env: dict[str, str], since: float) -> str:
    """The tasks started and not ended in the Airflow log the run began after `since` (a time.time())."""
    logs = (Path(env["METRICS_VAR_DIR"]) / "logs").glob("*.log")
    logs = sorted((p for p in logs if p.stat().st_mtime >= since), key=lambda p: p.stat().st_mtime)
    if not logs:
        return "before the DAG run (starting)"
    text = logs[-1].read_text(errors="replace")
    running = dict.fromkeys(STARTED.findall(text))
    for task in ENDED.findall(text):
        running.pop(task, None)
    return ", ".join(running) or "between tasks (or Airflow starting)"
