"""Run the project's DAGs with a local Airflow (SQLite metadata in var/airflow): `make run`, `make demo`, `make airflow`."""

from __future__ import annotations

import contextlib
import os
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from metrics_local.progress import DagProgress
from metrics_warehouse.dbt.manifest import ensure_manifest
from metrics_warehouse.settings import PROJECT_ROOT, VAR_DIR, load_settings
from metrics_warehouse.tasks import SPARK_CONN_ID, WAREHOUSE_CONN_ID
from metrics_warehouse.warehouse.connection import airflow_connection

AIRFLOW_HOME = Path(os.environ.get("AIRFLOW_HOME") or VAR_DIR / "airflow")
MAIN_DAG = "metrics_pipeline"


def airflow_env(url: str) -> dict[str, str]:
    ensure_manifest()  # once here, before any Airflow component parses the DAG file
    plugins = str(PROJECT_ROOT / "plugins")
    return {
        **os.environ,
        # The tasks' warehouse (and Spark cluster): the Airflow connections, from the URLs unless the user defined them.
        **_connection(WAREHOUSE_CONN_ID, lambda: airflow_connection(url)),
        **_spark_connection(),
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        # Airflow imports every module of its plugins folder; the project's package is on PYTHONPATH instead.
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(AIRFLOW_HOME / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300",
        "AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT": "300",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        # Cosmos' partial-parse files belong to this Airflow home, not to the machine's /tmp.
        "AIRFLOW__COSMOS__CACHE_DIR": str(AIRFLOW_HOME / "cosmos"),
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (plugins, os.environ.get("PYTHONPATH")) if p),
        # `airflow standalone` starts its components as `airflow ...` from PATH: this virtual environment's.
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
    }


def _connection(conn_id: str, value) -> dict[str, str]:
    variable = f"AIRFLOW_CONN_{conn_id.upper()}"
    return {variable: os.environ.get(variable) or value()}


def _spark_connection() -> dict[str, str]:
    """With METRICS_ENGINE=spark, the connection `metrics_spark` (type spark) from METRICS_SPARK_THRIFT_URL."""
    settings = load_settings()
    if settings.engine != "spark" or not settings.spark_thrift_url:
        return {}
    from metrics_warehouse.spark.connection import airflow_connection as spark_airflow_connection

    return _connection(SPARK_CONN_ID, lambda: spark_airflow_connection(settings.spark_thrift_url))


def _airflow(args: list[str], env: dict[str, str], log: TextIO | None = None) -> int:
    return subprocess.call([str(Path(sys.executable).parent / "airflow"), *args], env=env, stdout=log, stderr=log)


def ensure_metadata_db(env: dict[str, str], log: TextIO | None = None) -> None:
    """Create or upgrade Airflow's SQLite metadata database once per Airflow version."""
    import airflow

    marker = AIRFLOW_HOME / f".migrated-{airflow.__version__}"
    if marker.exists():
        return
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    if _airflow(["db", "migrate"], env, log) != 0:
        raise RuntimeError("airflow db migrate failed")
    marker.touch()


def test_dag(url: str, dag_id: str = MAIN_DAG, log_path: Path | None = None) -> int:
    """Run one whole DAG run in this process tree (`airflow dags test`); returns its exit code. With `log_path`, Airflow's
    and dbt's output goes to that file and only one line per finished task is printed."""
    env = airflow_env(url)
    logical_date = datetime.now(UTC).replace(microsecond=0).isoformat()
    if log_path is None:
        ensure_metadata_db(env)
        return _airflow(["dags", "test", dag_id, logical_date], env)
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("w") as log:
        ensure_metadata_db(env, log)
        log.flush()
        progress = DagProgress(lambda: count_tasks(dag_id))
        command = [str(Path(sys.executable).parent / "airflow"), "dags", "test", dag_id, logical_date]
        with subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) as process:
            for line in process.stdout:
                log.write(line)
                progress.feed(line)
        return process.returncode


def count_tasks(dag_id: str) -> int | None:
    """Task instances of the DAG's latest run, from the local metadata database (None if it cannot be read now)."""
    try:
        with contextlib.closing(sqlite3.connect(f"file:{AIRFLOW_HOME / 'airflow.db'}?mode=ro", uri=True)) as db:
            row = db.execute(
                "select count(*) from task_instance where dag_id = ? and run_id = "
                "(select run_id from dag_run where dag_id = ? order by id desc limit 1)",
                (dag_id, dag_id),
            ).fetchone()
    except sqlite3.Error:
        return None
    return row[0] or None


def standalone(url: str) -> int:
    """The Airflow UI, scheduler and DAG processor until interrupted; they are shut down (not orphaned) on exit."""
    env = airflow_env(url)
    ensure_metadata_db(env)
    # Its own process group: standalone leaves its components running when it is stopped, so the group is stopped.
    command = [str(Path(sys.executable).parent / "airflow"), "standalone"]
    process = subprocess.Popen(command, env=env, start_new_session=True)
    try:
        return process.wait()
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    for signum, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, signum)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                os.killpg(process.pid, 0)
            except ProcessLookupError:
                return
            process.poll()
            time.sleep(0.5)
