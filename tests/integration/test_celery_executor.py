"""`metrics_pipeline` under Airflow 3's CeleryExecutor: the team deployment's topology on one machine.

The test starts the API server, the scheduler, the DAG processor and two Celery workers (`-H w1`, `-H w2`) on a metadata
database and a Celery result backend in scratch PostgreSQL databases, with the Redis at 127.0.0.1:6379 as broker (a queue
of its own, so nothing else on that Redis picks up its tasks). It triggers one run on a small sample landing zone through
the REST API, waits for it, and checks that both workers ran tasks and that the KPI tables equal those of a local run
(`python -m metrics_local run`, i.e. `airflow dags test`) of the same landing zone.
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

from metrics_local.airflow_runner import MAIN_DAG, airflow_env
from metrics_local.sample import generate
from metrics_warehouse.warehouse.connection import sqlalchemy_url
from tests.fingerprints import kpi_fingerprint

PROJECT = Path(__file__).resolve().parents[2]
REDIS = ("127.0.0.1", 6379)
AIRFLOW = str(Path(sys.executable).parent / "airflow")
RUN_TIMEOUT_S = 1800  # a safety net: the run takes a few minutes on an idle 2-core machine


def _redis_answers() -> bool:
    try:
        with socket.create_connection(REDIS, timeout=2) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


pytestmark = pytest.mark.skipif(
    not _redis_answers(), reason=f"no Redis answers at {REDIS[0]}:{REDIS[1]}: the Celery broker this test needs"
)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def _process(name: str, command: list[str], env: dict[str, str], logs: Path) -> Iterator[subprocess.Popen]:
    """A process in its own process group, logging to logs/<name>.log, stopped with all its children on exit."""
    log = (logs / f"{name}.log").open("w")
    process = subprocess.Popen(
        command, env=env, cwd=PROJECT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        yield process
    finally:
        for signum, grace in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            try:
                os.killpg(process.pid, signum)
            except ProcessLookupError:
                break
            try:
                process.wait(grace)
                break
            except subprocess.TimeoutExpired:
                continue
        log.close()


def _api(base: str, method: str, path: str, body: dict) -> dict:
    request = urllib.request.Request(
        f"{base}/api/v2/{path}", data=json.dumps(body).encode(), method=method,
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def _wait(what: str, probe, timeout: float, logs: Path, running: dict[str, subprocess.Popen], interval: float = 3):
    """Poll `probe` until it returns something; fail with the components' logs on timeout or when one has exited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (found := probe()) is not None:
            return found
        if exited := [name for name, process in running.items() if process.poll() is not None]:
            pytest.fail(f"{', '.join(exited)} exited while waiting for {what}\n{_tails(logs, exited)}")
        time.sleep(interval)
    pytest.fail(
        f"timed out after {timeout:.0f} s waiting for {what}\n{_tails(logs, [p.stem for p in logs.glob('*.log')])}"
    )


def _tails(logs: Path, names: list[str]) -> str:
    return "\n".join(f"--- {name}\n{(logs / f'{name}.log').read_text()[-2500:]}" for name in sorted(names))


def _api_health(base: str):
    try:
        with urllib.request.urlopen(f"{base}/api/v2/monitor/health", timeout=5) as response:
            return True if response.status == 200 else None
    except OSError:
        return None


def _one(url: str, query: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()


def test_pipeline_under_celery_executor_matches_a_local_run(tmp_path, new_database, pg_server):
    landing = tmp_path / "landing"
    generate(landing, days=14, users=300, progress=False)
    logs = tmp_path / "logs"
    logs.mkdir()
    with ExitStack() as stack:
        celery_url = stack.enter_context(new_database())
        local_url = stack.enter_context(new_database())
        metadata_url = stack.enter_context(new_database(create=False))
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'create database "{conninfo_to_dict(metadata_url)["dbname"]}"')

        common = {"METRICS_LANDING_DIR": str(landing), "METRICS_REPORT_DIR": str(tmp_path / "report")}
        local_env = {
            **os.environ,
            **common,
            "METRICS_WAREHOUSE_URL": local_url,
            "METRICS_VAR_DIR": str(tmp_path / "local"),
            "AIRFLOW_HOME": str(tmp_path / "local" / "airflow"),
            "PYTHONPATH": str(PROJECT / "plugins"),
        }
        # The local reference run goes on while the Celery deployment starts.
        local_run = [sys.executable, "-m", "metrics_local", "run"]
        local = stack.enter_context(_process("local-run", local_run, local_env, logs))

        port = _free_port()
        api = f"http://127.0.0.1:{port}"
        metadata = sqlalchemy_url(metadata_url)
        home = tmp_path / "airflow"
        env = {
            **airflow_env(celery_url),
            **common,
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__PLUGINS_FOLDER": str(home / "plugins"),
            "AIRFLOW__COSMOS__CACHE_DIR": str(home / "cosmos"),
            "METRICS_VAR_DIR": str(tmp_path / "celery"),
            "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata,
            "AIRFLOW__CELERY__BROKER_URL": f"redis://{REDIS[0]}:{REDIS[1]}/0",
            "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{metadata}",
            "AIRFLOW__CELERY__WORKER_CONCURRENCY": "2",
            "AIRFLOW__OPERATORS__DEFAULT_QUEUE": f"mw-test-{secrets.token_hex(4)}",
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api}/execution/",
            "AIRFLOW__API__BASE_URL": api,
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",
            # Only the run this test triggers: no scheduled runs.
            "AIRFLOW__SCHEDULER__USE_JOB_SCHEDULE": "False",
            "AIRFLOW__CORE__HOSTNAME_CALLABLE": "worker_hostname.hostname",
            "PYTHONPATH": os.pathsep.join((str(Path(__file__).parent), str(PROJECT / "plugins"))),
        }
        subprocess.run([AIRFLOW, "db", "migrate"], env=env, check=True, capture_output=True)
        components = {
            name: stack.enter_context(_process(name, [AIRFLOW, *args], env, logs))
            for name, args in (
                ("api-server", ["api-server", "--port", str(port)]),
                ("scheduler", ["scheduler"]),
                ("dag-processor", ["dag-processor"]),
            )
        }
        for worker in ("w1", "w2"):
            command = [
                AIRFLOW,
                "celery",
                "worker",
                "-H",
                worker,
                "--skip-serve-logs",
                "--pid",
                str(home / f"{worker}.pid"),
            ]
            worker_env = {**env, "MW_WORKER_NAME": worker}
            components[f"worker-{worker}"] = stack.enter_context(
                _process(f"worker-{worker}", command, worker_env, logs)
            )

        _wait("the API server", lambda: _api_health(api), 180, logs, components)
        _wait(
            f"{MAIN_DAG} parsed by the DAG processor",
            lambda: _one(metadata_url, "select 1 from dag where dag_id = %s", MAIN_DAG),
            300,
            logs,
            components,
        )
        _api(api, "PATCH", f"dags/{MAIN_DAG}", {"is_paused": False})
        run_id = _api(api, "POST", f"dags/{MAIN_DAG}/dagRuns", {"logical_date": None})["dag_run_id"]

        def finished():
            (state,) = _one(
                metadata_url, "select state from dag_run where dag_id = %s and run_id = %s", MAIN_DAG, run_id
            )
            return state if state in ("success", "failed") else None

        state = _wait(f"run {run_id}", finished, RUN_TIMEOUT_S, logs, components, interval=5)
        with psycopg.connect(metadata_url) as conn:
            task_states = dict(
                conn.execute(
                    "select state, count(*) from task_instance where dag_id = %s and run_id = %s group by state",
                    (MAIN_DAG, run_id),
                ).fetchall()
            )
            hosts = {
                row[0]
                for row in conn.execute(
                    "select distinct hostname from task_instance where dag_id = %s and run_id = %s and state = 'success'",
                    (MAIN_DAG, run_id),
                )
            }
        assert state == "success", f"run {run_id}: {task_states}; logs in {logs}"
        assert hosts == {"w1", "w2"}, f"tasks ran on {hosts}, not on both workers"

        assert local.wait(RUN_TIMEOUT_S) == 0, (logs / "local-run.log").read_text()[-3000:]
        celery_kpis = kpi_fingerprint(celery_url)
        assert int(celery_kpis["kpi_daily"].split(":")[0]) > 0  # "rows:md5"
        assert celery_kpis == kpi_fingerprint(local_url)
