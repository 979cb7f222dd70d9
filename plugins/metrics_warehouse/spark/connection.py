"""Connections to a Spark Thrift server named by a URL: `thrift://[user@]host:port` (HiveServer2 protocol)."""

from __future__ import annotations

from urllib.parse import urlsplit

from pyhive import hive

DEFAULT_USER = "metrics"


def thrift_address(url: str) -> tuple[str, int, str]:
    """(host, port, user) of a `thrift://` URL; the port defaults to HiveServer2's 10000."""
    parts = urlsplit(url)
    if parts.scheme != "thrift" or not parts.hostname:
        raise ValueError(f"not a Spark Thrift URL (thrift://host:port): {url!r}")
    return parts.hostname, parts.port or 10000, parts.username or DEFAULT_USER


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
