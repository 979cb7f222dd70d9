"""Work tables: an asset's rows computed once, so GX's many queries per expectation read a plain table.

GX evaluates each expectation with several queries over the asset (counts, unexpected values, unexpected rows). When
the asset's query parses every value (the raw suites), each of those queries would parse the whole batch again: 2M
events took 185 s that way, 25 s with a work table. The rows are inserted in shares (`split` modulo the number of
shares), one connection per core, into an unlogged table in the `gate_work` schema.

A work table lives as long as its holder's session advisory lock: a gate killed mid-run leaves its table unlocked, and
the next gate to start drops it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import psycopg
from psycopg import sql

from metrics_warehouse.warehouse.connection import connect, exclusive

log = logging.getLogger(__name__)

SCHEMA = "gate_work"


@contextlib.contextmanager
def work_table(url: str, name: str, query: str, split: str, shares: int | None = None) -> Iterator[str]:
    """The rows of `query` in a new table of the schema SCHEMA (its name), dropped on exit; `split` is an integer
    column of the rows. Raises the query's error (psycopg.Error) when it fails."""
    shares = shares or os.cpu_count() or 1
    with _held_table(url, name) as (holder, table, held_name):
        holder.execute(
            sql.SQL("create unlogged table {} as select * from ({}) as q with no data").format(table, sql.SQL(query))
        )
        # Literals, not parameters: the query may contain a % of its own.
        inserts = [
            sql.SQL("insert into {} select * from ({}) as q where mod({}, {}) = {}").format(
                table, sql.SQL(query), sql.Identifier(split), sql.Literal(shares), sql.Literal(share)
            )
            for share in range(shares)
        ]
        with ThreadPoolExecutor(shares, thread_name_prefix="work-table") as pool:
            for future in [pool.submit(_insert, url, insert) for insert in inserts]:
                future.result()
        holder.execute(sql.SQL("analyze {}").format(table))
        yield held_name


@contextlib.contextmanager
def filled_table(url: str, name: str, fill: Callable[[psycopg.Connection, sql.Identifier], None]) -> Iterator[str]:
    """A new table of the schema SCHEMA (its name) that `fill(connection, table)` creates (unlogged) and fills with
    rows from outside PostgreSQL (the lake, Spark); dropped on exit."""
    with _held_table(url, name) as (holder, table, held_name):
        fill(holder, table)
        holder.execute(sql.SQL("analyze {}").format(table))
        yield held_name


def spark_work_table(url: str, spark_url: str, name: str, query: str) -> contextlib.AbstractContextManager[str]:
    """The rows of a Spark query (over the models built on Spark) in a work table, as `filled_table`."""
    from metrics_warehouse.spark.connection import connect as spark_connect
    from metrics_warehouse.spark.publish import copy_rows, query_columns

    def fill(conn: psycopg.Connection, table: sql.Identifier) -> None:
        with spark_connect(spark_url) as spark, spark.cursor() as source:
            copy_rows(source, query, query_columns(source, query), conn, table, unlogged=True)

    return filled_table(url, name, fill)


@contextlib.contextmanager
def _held_table(url: str, name: str) -> Iterator[tuple[psycopg.Connection, sql.Identifier, str]]:
    """A name for a work table, held by a session advisory lock on the yielded connection; the table is dropped on
    exit."""
    name = f"{name}_{uuid.uuid4().hex[:8]}"
    table = sql.Identifier(SCHEMA, name)
    with connect(url, autocommit=True) as holder, exclusive(holder, lock_name(name)):
        _drop_orphans(holder)
        try:
            yield holder, table, name
        finally:
            try:
                holder.execute(sql.SQL("drop table if exists {}").format(table))
            except psycopg.OperationalError as error:  # the server went away: the next gate drops the table
                log.warning("could not drop the work table %s: %s", name, error)


def _insert(url: str, insert: sql.Composed) -> None:
    with connect(url, autocommit=True) as conn:
        conn.execute(insert)


def lock_name(table: str) -> str:
    """The name of the session advisory lock (connection.exclusive) that holds the work table `table`."""
    return f"{SCHEMA}.{table}"


def _drop_orphans(conn: psycopg.Connection) -> None:
    """Drop the work tables nobody holds (their gate was killed)."""
    names = conn.execute("select tablename from pg_tables where schemaname = %s", (SCHEMA,)).fetchall()
    for (name,) in names:
        key = lock_name(name)
        if conn.execute("select pg_try_advisory_lock(hashtextextended(%s, 0))", (key,)).fetchone()[0]:
            log.info("dropping the work table %s.%s its killed gate left", SCHEMA, name)
            conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(SCHEMA, name)))
            conn.execute("select pg_advisory_unlock(hashtextextended(%s, 0))", (key,))
