"""Connections to the warehouse named by a libpq URL (TCP or unix socket)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
from collections.abc import Iterator
from importlib import resources
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from metrics_warehouse.settings import load_settings

log = logging.getLogger(__name__)


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or "postgres"


def ensure_database(url: str) -> None:
    """Create the database named in the URL if the server does not have it yet (two runs at once: one creates it)."""
    name = database_name(url)
    maintenance = make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn, exclusive(conn, f"create database {name}"):
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


@contextlib.contextmanager
def exclusive(conn: psycopg.Connection, what: str) -> Iterator[None]:
    """Hold a session advisory lock named `what` on an autocommit connection; a wait is logged, never silent."""
    key = conn.execute("select hashtextextended(%s, 0)", (what,)).fetchone()[0]
    if not conn.execute("select pg_try_advisory_lock(%s)", (key,)).fetchone()[0]:
        log.warning("waiting for another run to finish: %s", what)
        conn.execute("select pg_advisory_lock(%s)", (key,))
        log.info("done waiting: %s", what)
    try:
        yield
    finally:
        if not conn.closed:
            try:
                conn.execute("select pg_advisory_unlock(%s)", (key,))
            except psycopg.OperationalError as error:
                # The server dropped the session (it restarted), and its locks with it: the work done meanwhile
                # stands or failed on its own; this is no reason to fail it now.
                log.warning("lost the lock %r when the server dropped its connection: %s", what, error)


def apply_ddl(url: str) -> None:
    """Create the schemas and tables ingestion and operations own (idempotent).

    Skipped when this version of the DDL is applied already, so start-up never queues behind a long load's locks;
    otherwise it waits for them in steps of `lock_timeout`, logging each wait.
    """
    ddl = resources.files("metrics_warehouse.warehouse").joinpath("ddl.sql").read_text()
    version = hashlib.sha256(ddl.encode()).hexdigest()
    with connect(url, autocommit=True) as conn:
        if _applied_version(conn) == version:
            return
        while True:
            try:
                with conn.transaction():
                    conn.execute("select pg_advisory_xact_lock(hashtext('metrics_warehouse.ddl'))")
                    if _applied_version(conn) == version:
                        return
                    conn.execute("set local lock_timeout = '10s'")
                    conn.execute(ddl)
                    conn.execute("delete from ops.ddl_version")
                    conn.execute("insert into ops.ddl_version values (%s)", (version,))
                return
            except psycopg.errors.LockNotAvailable:
                log.warning("waiting for a running load to release its tables before updating the warehouse DDL")


def _applied_version(conn: psycopg.Connection) -> str | None:
    if conn.execute("select to_regclass('ops.ddl_version')").fetchone()[0] is None:
        return None
    row = conn.execute("select version from ops.ddl_version").fetchone()
    return row[0] if row else None


def prepare(url: str) -> None:
    ensure_database(url)
    apply_ddl(url)


def sqlalchemy_url(url: str) -> str:
    """The same target as a SQLAlchemy psycopg2 URL (unix sockets go in ?host=)."""
    params = conninfo_to_dict(url)
    user = quote(params.get("user") or "postgres")
    password = f":{quote(params['password'])}" if params.get("password") else ""
    host = params.get("host") or ""
    port = params.get("port")
    db = params.get("dbname") or "postgres"
    if host.startswith("/"):
        return f"postgresql+psycopg2://{user}{password}@/{db}?host={host}" + (f"&port={port}" if port else "")
    netloc = host + (f":{port}" if port else "")
    return f"postgresql+psycopg2://{user}{password}@{netloc}/{db}"


def airflow_connection(url: str) -> str:
    """The warehouse as an Airflow connection in JSON (the value of AIRFLOW_CONN_<ID>): a unix-socket directory stays a
    plain path in `host`, with no URI encoding to get wrong."""
    params = conninfo_to_dict(url)
    fields = {
        "conn_type": "postgres",
        "host": params.get("host"),
        "port": int(params["port"]) if params.get("port") else None,
        "login": params.get("user"),
        "password": params.get("password"),
        "schema": params.get("dbname"),
    }
    return json.dumps({key: value for key, value in fields.items() if value is not None})


def from_airflow_connection(conn: Any) -> str:
    """The libpq URL (key=value form) of an Airflow connection: host, port, login, password and schema (the database)."""
    return make_conninfo(
        "", host=conn.host or None, port=conn.port or None, user=conn.login or None, password=conn.password or None,
        dbname=conn.schema or None,
    )  # fmt: skip


def dbt_env(url: str) -> dict[str, str]:
    """Environment variables read by dbt_project/profiles.yml; with METRICS_ENGINE=spark and a Thrift server, its
    `spark` output as the target (DBT_TARGET)."""
    params = conninfo_to_dict(url)
    env = {
        "METRICS_PG_HOST": params.get("host") or "127.0.0.1",
        "METRICS_PG_PORT": str(params.get("port") or 5432),
        "METRICS_PG_USER": params.get("user") or "postgres",
        "METRICS_PG_PASSWORD": params.get("password") or "",
        "METRICS_PG_DATABASE": params.get("dbname") or "postgres",
    }
    settings = load_settings()
    if settings.engine == "spark" and settings.spark_thrift_url:
        from metrics_warehouse.spark.connection import thrift_address

        host, port, user = thrift_address(settings.spark_thrift_url)
        env |= {
            "DBT_TARGET": "spark",
            "METRICS_SPARK_HOST": host,
            "METRICS_SPARK_PORT": str(port),
            "METRICS_SPARK_USER": user,
        }
    return env
