"""Load one landing file atomically: its raw rows, its quarantined records and its ledger row commit together.

Concurrent runs serialise on an advisory lock per content hash, so a file is never loaded twice.
"""

from __future__ import annotations

import contextlib
import logging
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import IO

import orjson
import psycopg

from metrics_warehouse.ingest import csv_sources, events
from metrics_warehouse.ingest.landing import LandingFile
from metrics_warehouse.ingest.reasons import FileRejected
from metrics_warehouse.ingest.records import ReadContext, Records, Skipped, copy_line
from metrics_warehouse.settings import Settings

log = logging.getLogger(__name__)

_BATCH_ROWS = 2000
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
    conn: psycopg.Connection, landing_file: LandingFile, load_id: str, settings: Settings
) -> FileResult | None:
    """Load a file unless this path with this content was seen before (then None). `conn` must be in autocommit mode."""
    started_at = datetime.now(UTC)
    with conn.transaction():
        conn.execute("select pg_advisory_xact_lock(hashtextextended(%s, 0))", (landing_file.sha256,))
        sightings = conn.execute(
            "select path, status from ops.ingest_ledger where content_sha256 = %s", (landing_file.sha256,)
        ).fetchall()
        if any(path == landing_file.relpath for path, _ in sightings):
            return None
        result = FileResult(landing_file.source, landing_file.relpath, landing_file.delivery_date.isoformat(), "loaded")
        result.file_id = conn.execute(
            "select nextval(pg_get_serial_sequence('ops.ingest_ledger', 'file_id'))"
        ).fetchone()[0]
        owner = next((path for path, status in sightings if status != "duplicate_file"), None)
        if owner is not None:
            result.status = "duplicate_file"
            result.message = f"same content as {owner}: nothing loaded"
            _write_ledger(conn, landing_file, result, load_id, started_at)
            return result
        with tempfile.SpooledTemporaryFile(_SPOOL_BYTES, mode="w+", encoding="utf-8") as quarantine:
            try:
                _load_records(conn, landing_file, result, settings, quarantine)
            except FileRejected as rejected:
                result = FileResult(
                    landing_file.source,
                    landing_file.relpath,
                    result.delivery_date,
                    "rejected",
                    encoding=result.encoding,
                    message=f"{rejected.reason}: {rejected.message}",
                    file_id=result.file_id,
                )
                _reset(result, quarantine)
            if result.status == "loaded" and result.records_read == 0:
                result.status = "empty"
            _write_ledger(conn, landing_file, result, load_id, started_at)
            _copy_quarantine(conn, quarantine)
    level = logging.WARNING if result.status == "rejected" else logging.INFO
    log.log(level, "%s: %s %s", landing_file.relpath, result.status, result.message or _counts(result))
    return result


def _counts(result: FileResult) -> str:
    return (
        f"read={result.records_read} loaded={result.records_loaded} "
        f"quarantined={result.records_quarantined} skipped={result.records_skipped}"
    )


def _load_records(
    conn: psycopg.Connection, landing_file: LandingFile, result: FileResult, settings: Settings, quarantine: IO[str]
) -> None:
    """Stream the file into its raw table inside a savepoint (rolled back when the file is rejected)."""
    context = ReadContext.for_delivery(settings, landing_file.delivery_date)
    if landing_file.source == "events":
        result.encoding, records = events.read(landing_file.path, context)
        with conn.transaction():
            _copy_records(conn, events.TABLE, events.COLUMNS, records, landing_file, result, quarantine)
        return
    spec = csv_sources.SOURCES[landing_file.source]
    for encoding in csv_sources.ENCODINGS:
        handle, records = csv_sources.open_csv(spec, landing_file.path, encoding, context)
        try:
            with conn.transaction():
                _copy_records(conn, spec.table, spec.copy_columns, records, landing_file, result, quarantine)
        except FileRejected as rejected:
            if not rejected.reason == "undecodable" or encoding == csv_sources.ENCODINGS[-1]:
                raise
            _reset(result, quarantine)
            continue
        result.encoding = "gb18030" if encoding == "gb18030" else ("utf-8 (BOM)" if _has_bom(landing_file) else "utf-8")
        if handle.extra_columns:
            result.schema_drift = {"extra_columns": handle.extra_columns}
        return


def _has_bom(landing_file: LandingFile) -> bool:
    with landing_file.path.open("rb") as handle:
        return handle.read(3) == b"\xef\xbb\xbf"


def _reset(result: FileResult, quarantine: IO[str]) -> None:
    result.records_read = result.records_loaded = result.records_quarantined = result.records_skipped = 0
    quarantine.seek(0)
    quarantine.truncate(0)


def _copy_records(
    conn: psycopg.Connection,
    table: str,
    columns: tuple[str, ...],
    records: Records,
    landing_file: LandingFile,
    result: FileResult,
    quarantine: IO[str],
) -> None:
    file_id = result.file_id
    read = loaded = quarantined = skipped = 0
    batch: list[str] = []
    with cursor_copy(conn, f"copy {table} (file_id, line_number, {', '.join(columns)}) from stdin") as copy:
        for line_number, raw, outcome in records:
            read += 1
            if type(outcome) is tuple:
                batch.append(_copy_line(file_id, line_number, outcome))
                loaded += 1
                if len(batch) >= _BATCH_ROWS:
                    copy.write("".join(batch))
                    batch.clear()
            elif type(outcome) is Skipped:
                skipped += 1
            else:
                quarantined += 1
                fields = (landing_file.source, landing_file.relpath, outcome.reason, outcome.message, _storable(raw))
                quarantine.write(copy_line(file_id, line_number, fields))
        if batch:
            copy.write("".join(batch))
    result.records_read += read
    result.records_loaded += loaded
    result.records_quarantined += quarantined
    result.records_skipped += skipped


def _copy_line(file_id: int, line_number: int, row: tuple) -> str:
    """copy_line, without escaping field by field in the common case of a row with nothing to escape."""
    if None not in row:
        fields = "\t".join(row)
        if fields.count("\t") == len(row) - 1 and "\\" not in fields and "\n" not in fields and "\r" not in fields:
            return f"{file_id}\t{line_number}\t{fields}\n"
    return copy_line(file_id, line_number, row)


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
        """,
        (
            result.file_id,
            load_id,
            landing_file.source,
            landing_file.relpath,
            landing_file.delivery_date,
            landing_file.sha256,
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
