"""Throw-away databases for tests and benchmarks: on a given server if it answers, else on the embedded one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import psycopg
from psycopg import sql
from psycopg.conninfo import make_conninfo

from metrics_local import embedded
from metrics_warehouse.settings import SYSTEM_SERVER
from metrics_warehouse.warehouse import connection


@contextlib.contextmanager
def server(preferred: str = SYSTEM_SERVER) -> Iterator[str]:
    """URL of a running server's maintenance database: `preferred` when it answers, else the embedded server
    (started here and stopped on exit if it was not running)."""
    try:
        psycopg.connect(preferred, connect_timeout=2).close()
        yield preferred
        return
    except psycopg.OperationalError:
        pass
    url, started_here = embedded.start()
    try:
        yield make_conninfo(url, dbname="postgres")
    finally:
        if started_here:
            embedded.stop()


@contextlib.contextmanager
def scratch_database(server_url: str, name: str, *, create: bool = True) -> Iterator[str]:
    """A database named `name` (dropped first if left over, and dropped afterwards), with the warehouse DDL applied;
    with create=False only the name is reserved: the database does not exist yet."""
    url = make_conninfo(server_url, dbname=name)
    _drop(server_url, name)
    if create:
        connection.prepare(url)
    try:
        yield url
    finally:
        _drop(server_url, name)


def _drop(server_url: str, name: str) -> None:
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name)))
