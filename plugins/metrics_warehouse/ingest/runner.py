"""Ingest every new file of a source (the body of the per-source Airflow tasks)."""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from metrics_warehouse.ingest.landing import LandingFile, SkippedPath, discover, survey_root
from metrics_warehouse.ingest.loader import FileResult, load_file
from metrics_warehouse.settings import Settings
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)


def ingest_source(url: str, settings: Settings, source: str, load_id: str) -> list[FileResult]:
    """Load the files of `source` not seen before (by path and content hash), `settings.ingest_workers` at a time.
    Their rows go to the raw tables, or with the engine spark to the lake (`settings.lake_dir`).
    Returns one result per new file, in discovery order."""
    files, skipped = discover(settings.landing_dir, source)
    with connect(url, autocommit=True) as conn:
        record_skipped(conn, skipped)
        seen = set(
            conn.execute("select path, content_sha256 from ops.ingest_ledger where source = %s", (source,)).fetchall()
        )
        new = [landing_file for landing_file in files if (landing_file.relpath, landing_file.sha256) not in seen]
        # File ids in discovery order whichever file commits first: delivery order decides which copy of an event wins.
        file_ids = sorted(
            file_id
            for (file_id,) in conn.execute(
                "select nextval(pg_get_serial_sequence('ops.ingest_ledger', 'file_id')) from generate_series(1, %s)",
                (len(new),),
            )
        )
    # Copies of one content are loaded one after the other, in order: the first is loaded, the rest are duplicates.
    groups: dict[str, list[tuple[LandingFile, int]]] = {}
    for landing_file, file_id in zip(new, file_ids, strict=True):
        groups.setdefault(landing_file.sha256, []).append((landing_file, file_id))
    lake_dir = settings.lake_dir if settings.engine == "spark" else None
    results = _load_groups(url, settings, load_id, list(groups.values()), lake_dir) if groups else {}
    ordered = [result for landing_file in new if (result := results.get(landing_file.relpath)) is not None]
    log.info("%s: %d files in the landing zone, %d new", source, len(files), len(ordered))
    return ordered


def _load_groups(
    url: str, settings: Settings, load_id: str, groups: list[list[tuple[LandingFile, int]]], lake_dir: str | Path | None
) -> dict[str, FileResult | None]:
    """Each worker thread loads whole groups on a connection of its own; parsing holds the GIL, but most of a
    file's time is its server process's COPY, which runs in parallel."""
    pending: queue.SimpleQueue[list[tuple[LandingFile, int]]] = queue.SimpleQueue()
    for group in groups:
        pending.put(group)
    results: dict[str, FileResult | None] = {}

    def work() -> None:
        with connect(url, autocommit=True) as conn:
            while True:
                try:
                    group = pending.get_nowait()
                except queue.Empty:
                    return
                for landing_file, file_id in group:
                    results[landing_file.relpath] = load_file(conn, landing_file, file_id, load_id, settings, lake_dir)

    workers = min(settings.ingest_workers, len(groups))
    with ThreadPoolExecutor(workers, thread_name_prefix="ingest") as pool:
        for future in [pool.submit(work) for _ in range(workers)]:
            future.result()
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
