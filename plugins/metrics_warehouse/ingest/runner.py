"""Ingest every new file of a source (the body of the per-source Airflow tasks)."""

from __future__ import annotations

import logging

from metrics_warehouse.ingest.landing import discover
from metrics_warehouse.ingest.loader import FileResult, load_file
from metrics_warehouse.settings import Settings
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)


def ingest_source(url: str, settings: Settings, source: str, load_id: str) -> list[FileResult]:
    """Load the files of `source` not seen before (by path and content hash). Returns one result per new file."""
    files = discover(settings.landing_dir, source)
    with connect(url, autocommit=True) as conn:
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
