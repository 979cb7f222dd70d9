"""Ingest every new file of a source (the body of the per-source Airflow tasks)."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

import psycopg

from metrics_warehouse.ingest.landing import SkippedPath, discover, survey_root
from metrics_warehouse.ingest.loader import FileResult, load_file
from metrics_warehouse.settings import Settings
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)


def ingest_source(url: str, settings: Settings, source: str, load_id: str) -> list[FileResult]:
    """Load the files of `source` not seen before (by path and content hash). Returns one result per new file."""
    files, skipped = discover(settings.landing_dir, source)
    with connect(url, autocommit=True) as conn:
        record_skipped(conn, skipped)
        seen = set(
            conn.execute("select path, content_sha256 from ops.ingest_ledger where source = %s", (source,)).fetchall()
        )
        results = [
            result
            for landing_file in files
            if (landing_file.relpath, landing_file.sha256) not in seen
            and (result := load_file(conn, landing_file, load_id, settings)) is not None
        ]
    log.info("%s: %d files in the landing zone, %d new", source, len(files), len(results))
    return results


def record_landing_root(url: str, root: Path) -> None:
    """Record what sits at the landing root besides the source folders (stray files, unknown folders); the DAG's
    prepare step does this once per run, each source's ingest task records what it skips in its own folder."""
    with connect(url, autocommit=True) as conn:
        record_skipped(conn, survey_root(root))


def record_skipped(conn: psycopg.Connection, skipped: Iterable[SkippedPath]) -> None:
    """Each path not loaded, once (ops.landing_skipped), with its reason as the contract judges it now."""
    with conn.cursor() as cursor:
        cursor.executemany(
            "insert into ops.landing_skipped as s (path, reason, first_seen_at) values (%s, %s, now()) "
            "on conflict (path) do update set reason = excluded.reason where s.reason <> excluded.reason",
            [(one.relpath, one.reason) for one in skipped],
        )
