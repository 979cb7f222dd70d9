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

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import make_conninfo

from metrics_warehouse.warehouse import connection, embedded

SYSTEM_SERVER = os.environ.get("METRICS_TEST_SERVER_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _system_server_answers() -> bool:
    try:
        psycopg.connect(SYSTEM_SERVER, connect_timeout=2).close()
        return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """URL of a running PostgreSQL server (maintenance database)."""
    if _system_server_answers():
        yield SYSTEM_SERVER
        return
    url, started_here = embedded.start()
    yield make_conninfo(url, dbname="postgres")
    if started_here:
        embedded.stop()


@contextlib.contextmanager
def _fresh_database(server: str, *, create: bool = True) -> Iterator[str]:
    """A database of its own, dropped afterwards; with create=False only its name is reserved (it does not exist)."""
    name = f"mw_test_{uuid.uuid4().hex[:10]}"
    url = make_conninfo(server, dbname=name)
    if create:
        connection.prepare(url)
    try:
        yield url
    finally:
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))


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
