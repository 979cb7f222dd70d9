"""Shared fixtures: a real PostgreSQL for integration tests.

The system server at 127.0.0.1:5432 is used when it answers (METRICS_TEST_SERVER_URL overrides it); otherwise the
project's embedded server. Every test module gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator

# Airflow reads its configuration at import: tests parse DAGs without a metadata database of their own.
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="mw-airflow-"))
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__COSMOS__ENABLE_CACHE_DBT_LS"] = "False"
os.environ["AIRFLOW__COSMOS__ENABLE_TELEMETRY"] = "False"

import pytest

from metrics_local.scratch import scratch_database, server
from metrics_warehouse.settings import TEST_SERVER_URL


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
