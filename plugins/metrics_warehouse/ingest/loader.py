"""Load one landing file atomically: its raw rows, its quarantined records and its ledger row commit together.

Concurrent runs serialise on an advisory lock per content hash, so a file is never loaded twice. The raw rows go to
PostgreSQL's raw tables, or with a lake (METRICS_ENGINE=spark) to a Parquet file that takes its name just before the
ledger commits (ingest.lake.LakeFile).
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson
import psycopg

from metrics_warehouse.ingest import csv_sources, events, records
from metrics_warehouse.ingest.lake import LakeFile, lake_load
from metrics_warehouse.ingest.landing import LandingFile
from metrics_warehouse.ingest.reasons import FileRejected
from metrics_warehouse.ingest.records import Block, ReadContext, Skipped, copy_line
from metrics_warehouse.settings import Settings

log = logging.getLogger(__name__)

_SPOOL_BYTES = 16 << 20


@dataclass
class FileResult:
    source: str
    path: str
    delivery_date: str
    status: str
    records_read: int = 0
    records_loaded: int = 0
    records_quarantined: int = 0
    records_skipped: int = 0
    encoding: str | None = None
    message: str | None = None
    schema_drift: dict | None = None
    file_id: int | None = None


def load_file(
    conn: psycopg.Connection,
    landing_file: LandingFile,
    file_id: int,
    load_id: str,
    settings: Settings,
    lake_dir: str | Path | None = None,
) -> FileResult | None:
    """Load a file as `file_id` unless this path with this content was seen before (then None). `conn` must be in
    autocommit mode. Its rows go to the lake under `lake_dir` when given, else to the raw tables.

    Locks: the path's (a changed file against its earlier load), then the content's (copies under other names).
    """
    started_at = datetime.now(UTC)
    in_lake = lake_load(lake_dir, landing_file.source, landing_file.delivery_date, file_id)
    with in_lake as lake, conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 1))", (landing_file.relpath,))
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (landing_file.sha256,))
        earlier = conn.execute(
            "select content_sha256, status, file_id from ops.ingest_ledger where path = %s", (landing_file.relpath,)
        ).fetchall()
        if any(sha == landing_file.sha256 for sha, _, _ in earlier):
            return None
        result = FileResult(
            landing_file.source, landing_file.relpath, landing_file.delivery_date.isoformat(), "loaded", file_id=file_id
        )
        result.status, result.message = _without_reading(conn, landing_file, earlier)
        if result.status is None:
            result = _read(conn, landing_file, result, settings, load_id, started_at, lake)
        else:
            _write_ledger(conn, landing_file, result, load_id, started_at)
        if lake is not None:
            lake.publish()
    level = logging.INFO if result.status in ("loaded", "empty", "duplicate_file") else logging.WARNING
    log.log(level, "%s: %s %s", landing_file.relpath, result.status, result.message or _counts(result))
    return result


def _without_reading(
    conn: psycopg.Connection, landing_file: LandingFile, earlier: list
) -> tuple[str | None, str | None]:
    """The file's status and message when it is not to be read (None, None when it is)."""
    if landing_file.unreadable is not None:
        return "unreadable", f"unreadable: {landing_file.unreadable}"
    loaded_before = [file_id for _, status, file_id in earlier if status == "loaded"]
    if loaded_before:
        return "refused", (
            f"changed_content: this path was loaded before (file_id {loaded_before[0]}) with other content; "
            "deliver the new content under a new name"
        )
    if landing_file.size_bytes == 0:
        return None, None  # empty, never a duplicate of another empty file
    owner = conn.execute(
        "select path from ops.ingest_ledger where content_sha256 = %s and status in ('loaded', 'rejected')",
        (landing_file.sha256,),
    ).fetchone()
    if owner is not None:
        return "duplicate_file", f"same content as {owner[0]}: nothing loaded"
    return None, None


def _read(
    conn: psycopg.Connection,
    landing_file: LandingFile,
    result: FileResult,
    settings: Settings,
    load_id: str,
    started_at: datetime,
    lake: LakeFile | None,
) -> FileResult:
    result.status = "loaded"
    with tempfile.SpooledTemporaryFile(_SPOOL_BYTES, mode="w+", encoding="utf-8") as quarantine:
        try:
            _load_records(conn, landing_file, result, settings, quarantine, lake)
        except (FileRejected, OSError) as error:
            unreadable = isinstance(error, OSError)
            result = FileResult(
                landing_file.source,
                landing_file.relpath,
                result.delivery_date,
                "unreadable" if unreadable else "rejected",
                encoding=result.encoding,
                message=f"unreadable: {type(error).__name__}: {error}"
                if unreadable
                else f"{error.reason}: {error.message}",
                file_id=result.file_id,
            )
            _reset(result, quarantine)
        if result.status == "loaded" and result.records_read == 0:
            result.status = "empty"
        if lake is not None and result.records_loaded:
            lake.write(conn)
        _write_ledger(conn, landing_file, result, load_id, started_at)
        _copy_quarantine(conn, quarantine)
    return result


def _counts(result: FileResult) -> str:
    return (
        f"read={result.records_read} loaded={result.records_loaded} "
        f"quarantined={result.records_quarantined} skipped={result.records_skipped}"
    )


def _load_records(
    conn: psycopg.Connection,
    landing_file: LandingFile,
    result: FileResult,
    settings: Settings,
    quarantine: IO[str],
    lake: LakeFile | None,
) -> None:
    """Stream the file into its raw table (or the lake's staging table) inside a savepoint (rolled back when the file
    is rejected)."""
    context = ReadContext.for_delivery(settings, landing_file.delivery_date)
    with landing_file.path.open("rb") as handle:
        if handle.read(2) in (b"\xff\xfe", b"\xfe\xff"):
            raise FileRejected("utf16", "UTF-16 text (Excel 'Unicode text'): save it as CSV UTF-8 and deliver it again")
    if landing_file.source == "events":
        result.encoding, blocks = events.read(landing_file.path, context, result.file_id)
        with conn.transaction():
            table = events.TABLE if lake is None else lake.staging_table(conn, events.TABLE)
            _copy_blocks(conn, table, events.COLUMNS, blocks, landing_file, result, quarantine, events.COPY_FORMAT)
        return
    spec = csv_sources.SOURCES[landing_file.source]
    for encoding in csv_sources.ENCODINGS:
        handle, csv_records = csv_sources.open_csv(spec, landing_file.path, encoding, context)
        try:
            with conn.transaction():
                table = spec.table if lake is None else lake.staging_table(conn, spec.table)
                blocks = records.blocks(csv_records, result.file_id)
                _copy_blocks(conn, table, spec.copy_columns, blocks, landing_file, result, quarantine)
        except FileRejected as rejected:
            if not rejected.reason == "undecodable" or encoding == csv_sources.ENCODINGS[-1]:
                raise
            _reset(result, quarantine)
            continue
        result.encoding = "gb18030" if encoding == "gb18030" else ("utf-8 (BOM)" if _has_bom(landing_file) else "utf-8")
        result.schema_drift = handle.schema_drift
        return


def _has_bom(landing_file: LandingFile) -> bool:
    with landing_file.path.open("rb") as handle:
        return handle.read(3) == b"\xef\xbb\xbf"


def _reset(result: FileResult, quarantine: IO[str]) -> None:
    result.records_read = result.records_loaded = result.records_quarantined = result.records_skipped = 0
    quarantine.seek(0)
    quarantine.truncate(0)


def _copy_blocks(
    conn: psycopg.Connection,
    table: str,
    columns: tuple[str, ...],
    blocks: Iterator[Block],
    landing_file: LandingFile,
    result: FileResult,
    quarantine: IO[str],
    copy_format: str = "text",
) -> None:
    file_id = result.file_id
    with cursor_copy(conn, copy_statement(table, columns, copy_format)) as copy:
        for block in blocks:
            if block.copy_data:
                copy.write(block.copy_data)
            result.records_read += block.loaded + len(block.others)
            result.records_loaded += block.loaded
            for line_number, raw, outcome in block.others:
                if type(outcome) is Skipped:
                    result.records_skipped += 1
                    continue
                result.records_quarantined += 1
                fields = (landing_file.source, landing_file.relpath, outcome.reason, outcome.message, _storable(raw))
                quarantine.write(copy_line(file_id, line_number, fields))


def copy_statement(table: str, columns: tuple[str, ...], copy_format: str) -> str:
    """The COPY of a raw table's rows: where they came from (file_id, line_number), then the source's columns."""
    return f"copy {table} (file_id, line_number, {', '.join(columns)}) from stdin (format {copy_format})"


def _storable(raw: str) -> str:
    """The record as received, minus its line ending; NUL (which PostgreSQL text cannot hold) shown as \\0."""
    return raw.rstrip("\r\n").replace("\x00", "\\0")


def _copy_quarantine(conn: psycopg.Connection, quarantine: IO[str]) -> None:
    quarantine.seek(0)
    columns = "file_id, line_number, source, path, reason, message, raw_record"
    with cursor_copy(conn, f"copy ops.quarantine ({columns}) from stdin") as copy:
        while chunk := quarantine.read(1 << 20):
            copy.write(chunk)


@contextlib.contextmanager
def cursor_copy(conn: psycopg.Connection, statement: str) -> Iterator[psycopg.Copy]:
    with conn.cursor() as cursor, cursor.copy(statement) as copy:
        yield copy


def _write_ledger(
    conn: psycopg.Connection, landing_file: LandingFile, result: FileResult, load_id: str, started_at: datetime
) -> None:
    conn.execute(
        """
        insert into ops.ingest_ledger (
            file_id, load_id, source, path, delivery_date, content_sha256, size_bytes, encoding, status, message,
            records_read, records_loaded, records_quarantined, records_skipped, schema_drift, started_at, finished_at
        ) values (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
        """
        # an unreadable file is recorded once per path, however often it fails
        + (" on conflict (path, content_sha256) do nothing" if result.status == "unreadable" else ""),
        (
            result.file_id,
            load_id,
            landing_file.source,
            landing_file.relpath,
            landing_file.delivery_date,
            "" if result.status == "unreadable" else landing_file.sha256,
            landing_file.size_bytes,
            result.encoding,
            result.status,
            result.message,
            result.records_read,
            result.records_loaded,
            result.records_quarantined,
            result.records_skipped,
            orjson.dumps(result.schema_drift).decode() if result.schema_drift else None,
            started_at,
            datetime.now(UTC),
        ),
    )
