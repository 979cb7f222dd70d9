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
from metrics_warehouse.ingest.records import Block, Outcome, ReadContext, Skipped, copy_line
from metrics_warehouse.ingest.values import parse_amount, parse_timestamp

TABLE = SOURCES["events"].table
COLUMNS = SOURCES["events"].columns
_BLANK = Skipped("blank_line")
_UNDECODABLE = RecordRejected("undecodable", "the line's bytes are not UTF-8")
_NULL = "\\N"
_CHUNK_BYTES = 1 << 20
MONEY_EVENTS = ("purchase", "refund")


def read(path: Path, context: ReadContext, file_id: int) -> tuple[str, Iterator[Block]]:
    """The file's encoding label and its records in blocks, streamed."""
    gzipped = path.name.endswith(".gz")
    return ("utf-8+gzip" if gzipped else "utf-8"), _blocks(path, gzipped, context, file_id)


def _blocks(path: Path, gzipped: bool, context: ReadContext, file_id: int) -> Iterator[Block]:
    """One loop per file (its body runs once per line): read about 1 MB of lines, decode, judge, format."""
    line_number = 0
    with path.open("rb") as raw:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        for chunk in _chunks(stream, path):
            copy_lines: list[str] = []
            others: list[Outcome] = []
            for raw_line in chunk:
                line_number += 1
                try:
                    line = raw_line.rstrip(b"\r\n").decode("utf-8")
                except UnicodeDecodeError:
                    others.append(
                        (line_number, raw_line.rstrip(b"\r\n").decode("utf-8", "backslashreplace"), _UNDECODABLE)
                    )
                    continue
                if line_number == 1:
                    line = line.removeprefix("\ufeff")
                try:
                    event_id, event_name, event_time, user_id, _ = row = parse_line(line, context)
                except RecordRejected as rejected:
                    others.append((line_number, line, rejected if line.strip() else _BLANK))
                    continue
                if "\\" in line or "\t" in line or "\r" in line:
                    copy_lines.append(copy_line(file_id, line_number, row))
                else:  # nothing to escape: no backslash, and JSON strings hold no raw tab or line break
                    user = _NULL if user_id is None else user_id
                    copy_lines.append(
                        f"{file_id}\t{line_number}\t{event_id}\t{event_name}\t{event_time}\t{user}\t{line}\n"
                    )
            yield Block("".join(copy_lines), len(copy_lines), others)


def _chunks(stream: BinaryIO, path: Path) -> Iterator[list[bytes]]:
    """The stream's lines, about 1 MB at a time."""
    try:
        while chunk := stream.readlines(_CHUNK_BYTES):
            yield chunk
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
    _check_money(event, event_name, context)
    user_id = event.get("user_id")
    if user_id is not None and type(user_id) is not str:
        if type(user_id) is not int:
            raise RecordRejected("bad_type:user_id", "user_id must be a string or null")
        user_id = str(user_id)
    return event_id, event_name, event_time if type(event_time) is str else str(event_time), user_id or None, line


def _check_money(event: dict, event_name: str, context: ReadContext) -> None:
    """Amounts and costs are money wherever they appear; a purchase or refund needs its amount."""
    properties = event.get("properties")
    if properties is None:
        properties = {}
    elif type(properties) is not dict:
        raise RecordRejected("bad_type:properties", "properties must be an object")
    for name in ("amount", "cost"):
        value = properties.get(name)
        if (value is None or parse_amount(value, name, context.max_amount) is None) and (
            name == "amount" and event_name in MONEY_EVENTS
        ):
            raise RecordRejected("missing_field:amount", f"a {event_name} needs properties.amount")


def _required_text(event: dict, field: str, *, allow_int: bool = False) -> str:
    value = event.get(field)
    if value is None or value == "":
        raise RecordRejected(f"missing_field:{field}", f"required field {field} is missing or empty")
    if type(value) is int and allow_int:
        return str(value)
    if type(value) is not str:
        raise RecordRejected(f"bad_type:{field}", f"{field} must be a string, got {type(value).__name__}")
    return value
