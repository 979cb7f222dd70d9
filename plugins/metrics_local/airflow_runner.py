"""Run the project's DAGs with a local Airflow (SQLite metadata in var/airflow): `make run`, `make demo`, `make airflow`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from metrics_warehouse.settings import PROJECT_ROOT, VAR_DIR
from metrics_warehouse.warehouse.connection import dbt_env

AIRFLOW_HOME = Path(os.environ.get("AIRFLOW_HOME") or VAR_DIR / "airflow")
MAIN_DAG = "metrics_pipeline"


def airflow_env(url: str) -> dict[str, str]:
    plugins = str(PROJECT_ROOT / "plugins")
    return {
        **os.environ,
        **dbt_env(url),
        "METRICS_WAREHOUSE_URL": url,
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(PROJECT_ROOT / "dags"),
        # Airflow imports every module of its plugins folder; the project's package is on PYTHONPATH instead.
        "AIRFLOW__CORE__PLUGINS_FOLDER": str(AIRFLOW_HOME / "plugins"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DAGBAG_IMPORT_TIMEOUT": "300",
        "AIRFLOW__CORE__DAG_FILE_PROCESSOR_TIMEOUT": "300",
        "AIRFLOW__COSMOS__ENABLE_TELEMETRY": "False",
        "DO_NOT_TRACK": "1",
        "PYTHONPATH": os.pathsep.join(p for p in (plugins, os.environ.get("PYTHONPATH")) if p),
        # `airflow standalone` starts its components as `airflow ...` from PATH: this virtual environment's.
        "PATH": os.pathsep.join((str(Path(sys.executable).parent), os.environ.get("PATH", ""))),
    }


def _airflow(args: list[str], env: dict[str, str]) -> int:
    return subprocess.call([str(Path(sys.executable).parent / "airflow"), *args], env=env)


def ensure_metadata_db(env: dict[str, str]) -> None:
    """Create or upgrade Airflow's SQLite metadata database once per Airflow version."""
    import airflow

    marker = AIRFLOW_HOME / f".migrated-{airflow.__version__}"
    if marker.exists():
        return
    AIRFLOW_HOME.mkdir(parents=True, exist_ok=True)
    if _airflow(["db", "migrate"], env) != 0:
        raise RuntimeError("airflow db migrate failed")
    marker.touch()


def test_dag(url: str, dag_id: str = MAIN_DAG) -> int:
    """Run one whole DAG run in this process tree (`airflow dags test`); returns its exit code."""
    env = airflow_env(url)
    ensure_metadata_db(env)
    logical_date = datetime.now(UTC).replace(microsecond=0).isoformat()
    return _airflow(["dags", "test", dag_id, logical_date], env)


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
