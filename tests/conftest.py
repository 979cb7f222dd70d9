"""Shared fixtures: a real PostgreSQL for integration tests.

The system server at 127.0.0.1:5432 is used when it answers (METRICS_TEST_SERVER_URL overrides it); otherwise the
project's embedded server. Every test module gets a database of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid

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
def pg_server() -> str:
    """URL of a running PostgreSQL server (maintenance database)."""
    if _system_server_answers():
        return SYSTEM_SERVER
    url, started_here = embedded.start()
    yield make_conninfo(url, dbname="postgres")
    if started_here:
        embedded.stop()


@pytest.fixture(scope="module")
def pg_url(pg_server: str) -> str:
    """A fresh, empty database for one test module, with the warehouse DDL applied."""
    name = f"mw_test_{uuid.uuid4().hex[:10]}"
    url = make_conninfo(pg_server, dbname=name)
    connection.prepare(url)
    yield url
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
