"""Shared fixtures: a real PostgreSQL for integration tests; how `make test`'s two workers share the tests.

The system server at 127.0.0.1:5432 is used when it answers (METRICS_TEST_SERVER_URL overrides it); otherwise an
embedded server of this test process's own. Every test module gets a database of its own, dropped afterwards.
Each test process (`make test` runs two, pytest-xdist) has its own var folder and Airflow home, never the project's.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator

# Set before the project's settings and Airflow are imported (both read them at import): the user's var/ (the
# warehouse of `make demo`, Airflow's metadata) is not touched, and the two workers do not share a SQLite database.
os.environ["METRICS_VAR_DIR"] = tempfile.mkdtemp(prefix="mw-test-var-")
os.environ["AIRFLOW_HOME"] = tempfile.mkdtemp(prefix="mw-test-airflow-")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS"] = "False"
os.environ["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] = "False"

import pytest
from xdist.scheduler import LoadScopeScheduling

from metrics_local import spark_cluster as local_spark
from metrics_local.scratch import scratch_database, server
from metrics_warehouse.settings import PROJECT_ROOT, TEST_SERVER_URL


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a running PostgreSQL server (maintenance database)."""
    with server(TEST_SERVER_URL) as url:
        yield url


def _fresh_database(server_url: str, *, create: bool = True) -> contextlib.AbstractContextManager[str]:
    return scratch_database(server_url, f"mw_test_{uuid.uuid4().hex[:10]}", create=create)


@pytest.fixture(scope="module")
def pg_url(pg_server: str) -> Iterator[str]:
    """A fresh database for one test module, with the warehouse DDL applied."""
    with _fresh_database(pg_server) as url:
        yield url


@pytest.fixture()
def fresh_url(pg_server: str) -> Iterator[str]:
    """A fresh database for one test."""
    with _fresh_database(pg_server) as url:
        yield url


@pytest.fixture(scope="session")
def new_database(pg_server: str):
    """A factory of fresh databases for session-scoped fixtures: `with new_database() as url: ...`."""
    return lambda create=True: _fresh_database(pg_server, create=create)


def _free_port_block(size: int) -> int:
    """The first of `size` consecutive ports free on 127.0.0.1 (the first one picked by the kernel)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            first = sock.getsockname()[1]
        if all(_is_free(port) for port in range(first, first + size)):
            return first
    raise RuntimeError(f"no {size} consecutive free ports on 127.0.0.1")


def _is_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture(scope="session")
def spark_cluster() -> Iterator[local_spark.SparkCluster]:
    """The local Spark standalone cluster (master, two workers, Thrift server) under this test process's var folder,
    started once for the Spark tests (a shared run, see SHARED_RUNS) and stopped at the end. Its ports are
    METRICS_SPARK_MASTER_PORT (and the four after it) and METRICS_SPARK_PORT when set, else free ones. Java comes from
    the Makefile (apt) when missing; the tests skip, saying why, only when it cannot be had."""
    subprocess.run(["make", "--no-print-directory", "-C", PROJECT_ROOT, "spark-venv"], check=True)
    try:
        local_spark.check_java()
    except local_spark.SparkClusterError:
        make = subprocess.run(
            ["make", "--no-print-directory", "-C", PROJECT_ROOT, local_spark.DEBIAN_JAVA],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
        )
        if make.returncode:
            pytest.skip(f"Spark needs Java 17 and apt could not install it: {make.stderr.strip()[-500:]}")
    free = {
        "METRICS_SPARK_MASTER_PORT": _free_port_block(local_spark.MASTER_PORTS),
        "METRICS_SPARK_PORT": _free_port_block(1),
    }
    cluster = local_spark.local_cluster({**{name: str(port) for name, port in free.items()}, **os.environ})
    _, started_here = cluster.start()
    try:
        yield cluster
    finally:
        if started_here:
            cluster.stop()


# `make test` runs two workers (pytest-xdist). The modules that share one whole pipeline run (a session fixture) run
# on one worker, so that the run is made once; every other module runs whole on one worker (its module fixtures are
# made once). xdist's own `xdist_group` marks do nothing under pytest 9.2 (a test's id can no longer be rewritten).
SHARED_RUNS = {
    "tiny_reference": ("tests/e2e/test_run_faults.py", "tests/e2e/test_warehouse_killed.py"),
    "pipeline": (
        "tests/e2e/test_bi_latency.py",
        "tests/e2e/test_pipeline.py",
        "tests/e2e/test_report.py",
        "tests/e2e/test_superset.py",
    ),
    # One Spark cluster (about 300 MB of memory per JVM, seven of them) for every module that runs on Spark.
    "spark_cluster": (
        "tests/e2e/test_spark_pipeline.py",
        "tests/integration/test_spark_cluster.py",
        "tests/integration/test_spark_lake.py",
        "tests/integration/test_spark_publish.py",
        "tests/integration/test_value_rules_spark.py",
    ),
}
# Handed out first, so that the two workers end together.
LONGEST_FIRST = (
    "spark_cluster",
    "tests/e2e/test_readme_commands.py",
    "tiny_reference",
    "tests/integration/test_celery_executor.py",
)


def work_unit(nodeid: str) -> str:
    """What runs whole on one worker: a shared run's modules (named by its fixture), or one module."""
    module = nodeid.split("::")[0]
    return next((fixture for fixture, modules in SHARED_RUNS.items() if module in modules), module)


class SharedRunScheduling(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return work_unit(nodeid)


def pytest_xdist_make_scheduler(config: pytest.Config, log) -> SharedRunScheduling:
    config.option.loadscopereorder = False  # the collection's order: the longest first
    return SharedRunScheduling(config, log)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for fixture in SHARED_RUNS:
            if fixture in item.fixturenames and work_unit(item.nodeid) != fixture:
                raise pytest.UsageError(f"{item.nodeid} uses {fixture}: add its module to SHARED_RUNS in {__file__}")
    items.sort(key=lambda item: _rank(work_unit(item.nodeid)))


def _rank(unit: str) -> int:
    return LONGEST_FIRST.index(unit) if unit in LONGEST_FIRST else len(LONGEST_FIRST)


def pytest_sessionfinish() -> None:
    for folder in (os.environ["METRICS_VAR_DIR"], os.environ["AIRFLOW_HOME"]):
        shutil.rmtree(folder, ignore_errors=True)
