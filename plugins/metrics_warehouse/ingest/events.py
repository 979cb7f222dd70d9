"""events/*.jsonl(.gz): one JSON object per line, kept whole as received."""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from metrics_warehouse.contracts import SOURCES
from metrics_warehouse.ingest.reasons import FileRejected, RecordRejected
from metrics_warehouse.ingest.records import ReadContext, Records, Skipped
from metrics_warehouse.ingest.values import parse_timestamp

TABLE = SOURCES["events"].table
COLUMNS = SOURCES["events"].columns
_BLANK = Skipped("blank_line")


def read(path: Path, context: ReadContext) -> tuple[str, Records]:
    """The file's encoding label and its records, streamed."""
    gzipped = path.name.endswith(".gz")
    return ("utf-8+gzip" if gzipped else "utf-8"), _records(path, gzipped, context)


def _records(path: Path, gzipped: bool, context: ReadContext) -> Records:
    with path.open("rb") as raw:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        for line_number, line in enumerate(_lines(stream, path), start=1):
            if line_number == 1:
                line = line.removeprefix("\ufeff")
            if not line.strip():
                yield line_number, line, _BLANK
                continue
            try:
                yield line_number, line, parse_line(line, context)
            except RecordRejected as rejected:
                yield line_number, line, rejected


def _lines(stream: BinaryIO, path: Path) -> Iterator[str]:
    try:
        for raw_line in stream:
            try:
                yield raw_line.rstrip(b"\r\n").decode("utf-8")
            except UnicodeDecodeError as error:
                raise FileRejected("undecodable", f"{path}: bytes that are not UTF-8 ({error.reason})") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise FileRejected("corrupt_gzip", f"{path}: truncated or corrupt gzip stream ({error})") from None


def parse_line(line: str, context: ReadContext) -> tuple[str, str, str, str | None, str]:
    """Validate one line; the accepted row keeps the original JSON text as its payload.

    This runs once per event line, so the common case takes the shortest path; rejections explain themselves.
    """
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise RecordRejected("malformed_json", f"not valid JSON: {error}") from None
    if type(event) is not dict:
        raise RecordRejected("not_an_object", f"a JSON {type(event).__name__}, not an object")
    if "\\u0000" in line:
        raise RecordRejected("unsupported_character", "a \\u0000 escape, which PostgreSQL jsonb cannot store")
    event_id, event_name, event_time = event.get("event_id"), event.get("event_name"), event.get("event_time")
    if not (type(event_id) is str and event_id and type(event_name) is str and event_name):
        event_id = _required_text(event, "event_id", allow_int=True)
        event_name = _required_text(event, "event_name")
    if event_time is None or event_time == "":
        raise RecordRejected("missing_field:event_time", "required field event_time is missing or empty")
    parsed = parse_timestamp(event_time, "event_time", context.source_zone)
    if parsed > context.latest_event_time:
        raise RecordRejected(
            "future_event_time",
            f"event_time {event_time} is more than 1 day after the end of delivery date {context.delivery_date}",
        )
    if parsed < context.earliest_event_time:
        raise RecordRejected(
            "before_min_date", f"event_time {event_time} is before METRICS_MIN_EVENT_DATE {context.min_event_date}"
        )
    user_id = event.get("user_id")
    if user_id is not None and type(user_id) is not str:
        if type(user_id) is not int:
            raise RecordRejected("bad_type:user_id", "user_id must be a string or null")
        user_id = str(user_id)
    return event_id, event_name, event_time if type(event_time) is str else str(event_time), user_id or None, line


def _required_text(event: dict, field: str, *, allow_int: bool = False) -> str:
    value = event.get(field)
    if value is None or value == "":
        raise RecordRejected(f"missing_field:{field}", f"required field {field} is missing or empty")
    if type(value) is int and allow_int:
        return str(value)
    if type(value) is not str:
        raise RecordRejected(f"bad_type:{field}", f"{field} must be a string, got {type(value).__name__}")
    return value
