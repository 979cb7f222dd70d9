"""Connections to a Spark Thrift server named by a URL: `thrift://[user@]host:port` (HiveServer2 protocol)."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from pyhive import hive
from pyhive.exc import Error as SparkQueryError  # what a statement that fails raises

__all__ = ["SparkQueryError", "airflow_connection", "connect", "table_columns", "thrift_address", "thrift_url"]

DEFAULT_USER = "metrics"
DEFAULT_PORT = 10000  # HiveServer2's


def thrift_address(url: str) -> tuple[str, int, str]:
    """(host, port, user) of a `thrift://` URL."""
    parts = urlsplit(url)
    if parts.scheme != "thrift" or not parts.hostname:
        raise ValueError(f"not a Spark Thrift URL (thrift://host:port): {url!r}")
    return parts.hostname, parts.port or DEFAULT_PORT, parts.username or DEFAULT_USER


def thrift_url(host: str, port: int | None = None, user: str | None = None) -> str:
    """The URL of a Thrift server (an Airflow connection's host, port and login)."""
    return f"thrift://{f'{user}@' if user else ''}{host}:{port or DEFAULT_PORT}"


def airflow_connection(url: str) -> str:
    """The Thrift server as an Airflow connection of type spark, in JSON (the value of AIRFLOW_CONN_<ID>), as Cosmos'
    SparkThriftProfileMapping reads it."""
    host, port, user = thrift_address(url)
    return json.dumps({"conn_type": "spark", "host": host, "port": port, "login": user})


def connect(url: str) -> hive.Connection:
    host, port, user = thrift_address(url)
    return hive.connect(host=host, port=port, username=user)


def table_columns(cursor: hive.Cursor, table: str) -> list[tuple[str, str]]:
    """The (name, type) of a Spark table's columns in order, partition columns last (`describe` lists them so, before
    its notes)."""
    cursor.execute(f"describe table {table}")
    columns = []
    for name, data_type, _ in cursor.fetchall():
        if not name or name.startswith("#"):
            break
        columns.append((name, data_type))
    return columns
