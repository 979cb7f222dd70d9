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
