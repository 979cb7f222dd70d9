"""Connections to the warehouse named by a libpq URL (TCP or unix socket)."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo


def connect(url: str, **kwargs) -> psycopg.Connection:
    return psycopg.connect(url, **kwargs)


def database_name(url: str) -> str:
    return conninfo_to_dict(url).get("dbname") or "postgres"


def ensure_database(url: str) -> None:
    """Create the database named in the URL if the server does not have it yet."""
    name = database_name(url)
    maintenance = make_conninfo(url, dbname="postgres")
    with psycopg.connect(maintenance, autocommit=True) as conn:
        exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))


def apply_ddl(url: str) -> None:
    """Create the schemas and tables ingestion and operations own (idempotent)."""
    ddl = resources.files("metrics_warehouse.warehouse").joinpath("ddl.sql").read_text()
    with connect(url) as conn:
        conn.execute("select pg_advisory_xact_lock(hashtext('metrics_warehouse.ddl'))")
        conn.execute(ddl)


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
    """Environment variables read by dbt_project/profiles.yml."""
    params = conninfo_to_dict(url)
    return {
        "METRICS_PG_HOST": params.get("host") or "127.0.0.1",
        "METRICS_PG_PORT": str(params.get("port") or 5432),
        "METRICS_PG_USER": params.get("user") or "postgres",
        "METRICS_PG_PASSWORD": params.get("password") or "",
        "METRICS_PG_DATABASE": params.get("dbname") or "postgres",
    }
