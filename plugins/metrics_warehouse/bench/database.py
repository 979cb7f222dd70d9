"""A scratch database for a benchmark: on METRICS_BENCH_SERVER_URL, the system server, or the embedded one."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from metrics_warehouse.warehouse import connection, embedded

SYSTEM_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"


def _server() -> contextlib.AbstractContextManager[str]:
    url = os.environ.get("METRICS_BENCH_SERVER_URL") or SYSTEM_SERVER
    try:
        psycopg.connect(url, connect_timeout=2).close()
        return contextlib.nullcontext(url)
    except psycopg.OperationalError:
        return _embedded()


@contextlib.contextmanager
def _embedded() -> Iterator[str]:
    url, started_here = embedded.start()
    try:
        yield make_conninfo(url, dbname="postgres")
    finally:
        if started_here:
            embedded.stop()


@contextlib.contextmanager
def scratch_database(name: str) -> Iterator[str]:
    """A new database with the warehouse DDL, dropped afterwards."""
    with _server() as server:
        url = make_conninfo(server, dbname=name)
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
        connection.prepare(url)
        try:
            yield url
        finally:
            with psycopg.connect(server, autocommit=True) as conn:
                conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
