"""events/*.jsonl(.gz): one JSON object per line, kept whole as received."""

from __future__ import annotations

import gzip
import struct
import zlib
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import BinaryIO

import orjson

from metrics_warehouse.contracts import SOURCES
from metrics_warehouse.ingest.reasons import FileRejected, RecordRejected
from metrics_warehouse.ingest.records import Block, Outcome, ReadContext, Skipped
from metrics_warehouse.ingest.values import TRIM, is_blank, parse_amount, read_timestamp

TABLE = SOURCES["events"].table
COLUMNS = SOURCES["events"].columns
_BLANK = Skipped("blank_line")
_UNDECODABLE = RecordRejected("undecodable", "the line's bytes are not UTF-8")
_CHUNK_BYTES = 1 << 20
COPY_FORMAT = "binary"
_SIGNATURE = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # no flags, no header extension
_TRAILER = b"\xff\xff"
_ROW_HEAD = struct.Struct(">hiqiq").pack  # field count; file_id and line_number, 8 bytes each
_LENGTH = struct.Struct(">i").pack
_TIMESTAMPTZ = struct.Struct(">iq").pack  # length 8; microseconds since PostgreSQL's epoch
_PG_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NULL_FIELD = _LENGTH(-1)
MONEY_EVENTS = ("purchase", "refund")


def read(path: Path, context: ReadContext, file_id: int) -> tuple[str, Iterator[Block]]:
    """The file's encoding label and its records in blocks, streamed."""
    gzipped = path.name.endswith(".gz")
    return ("utf-8+gzip" if gzipped else "utf-8"), _blocks(path, gzipped, context, file_id)


def _blocks(path: Path, gzipped: bool, context: ReadContext, file_id: int) -> Iterator[Block]:
    """One loop per file (its body runs once per line): read about 1 MB of lines, judge them, and append the accepted
    ones to COPY data in PostgreSQL's binary format, which the server reads faster than text and needs no escaping."""
    line_number = 0
    data = bytearray(_SIGNATURE)
    with path.open("rb") as raw:
        stream: BinaryIO = gzip.GzipFile(fileobj=raw, mode="rb") if gzipped else raw
        for chunk in _chunks(stream, path):
            loaded = 0
            others: list[Outcome] = []
            for raw_line in chunk:
                line_number += 1
                line = raw_line.rstrip(b"\r\n")
                try:
                    event = orjson.loads(line)  # bytes: orjson checks the UTF-8 itself
                except orjson.JSONDecodeError:
                    event = None
                if type(event) is dict and b"\\u0000" not in line:  # the common case, judged as parse_line would
                    try:
                        *fields, event_at = judge(event, context)
                        payload = line
                    except RecordRejected as rejected:
                        others.append((line_number, line.decode("utf-8"), rejected))
                        continue
                else:
                    outcome = _as_text(line, line_number, context)
                    if type(outcome[2]) is not tuple:
                        others.append(outcome)
                        continue
                    *fields, event_at, text = outcome[2]
                    payload = text.encode()
                _append_row(data, file_id, line_number, fields, payload, event_at)
                loaded += 1
            yield Block(data, loaded, others)
            data = bytearray()
    yield Block(data + _TRAILER, 0, [])  # data: the signature still, when the file has no line


def _as_text(line: bytes, line_number: int, context: ReadContext) -> Outcome:
    """A line outside the common case, judged as the text it is: undecodable, BOM, blank, not JSON, not an object."""
    try:
        text = line.decode("utf-8")
    except UnicodeDecodeError:
        return line_number, line.decode("utf-8", "backslashreplace"), _UNDECODABLE
    if line_number == 1:
        text = text.removeprefix("\ufeff")
    if not text.strip():
        return line_number, text, _BLANK
    try:
        return line_number, text, parse_line(text, context)
    except RecordRejected as rejected:
        return line_number, text, rejected


def _append_row(
    data: bytearray,
    file_id: int,
    line_number: int,
    fields: Sequence[str | None],
    payload: bytes,
    event_at: datetime | None,
) -> None:
    """One row of binary COPY: the field count, then each field's length and bytes (-1: NULL); jsonb is version 1
    and the JSON text, timestamptz the microseconds since 2000-01-01 UTC."""
    data += _ROW_HEAD(len(COLUMNS) + 2, 8, file_id, 8, line_number)
    for value in fields:
        if value is None:
            data += _NULL_FIELD
        else:
            encoded = value.encode()
            data += _LENGTH(len(encoded))
            data += encoded
    data += _LENGTH(len(payload) + 1)
    data += b"\x01"
    data += payload
    data += _NULL_FIELD if event_at is None else _TIMESTAMPTZ(8, (event_at - _PG_EPOCH) // _MICROSECOND)


def _chunks(stream: BinaryIO, path: Path) -> Iterator[list[bytes]]:
    """The stream's lines, about 1 MB at a time."""
    try:
        while chunk := stream.readlines(_CHUNK_BYTES):
            yield chunk
    except (EOFError, gzip.BadGzipFile, zlib.error) as error:
        raise FileRejected("corrupt_gzip", f"{path}: truncated or corrupt gzip stream ({error})") from None


def parse_line(line: str, context: ReadContext) -> tuple[str, str, str, str | None, datetime | None, str]:
    """Validate one line; the accepted row keeps the original JSON text as its payload.

    This runs once per event line, so the common case takes the shortest path; rejections explain themselves.
    """
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError as error:
        raise RecordRejected("malformed_json", f"not valid JSON: {error}") from None
    if type(event) is not dict:
        raise RecordRejected("not_an_object", f"a JSON {type(event).__name__}, not an object")
    if "\\u0000" in line and _holds_nul(event):  # the text may hold an escaped backslash before "u0000"
        raise RecordRejected("unsupported_character", "a \\u0000 escape, which PostgreSQL jsonb cannot store")
    return (*judge(event, context), line)


def _holds_nul(value: object) -> bool:
    """Whether a decoded JSON value has U+0000 in a string or a key, at any depth (no recursion: JSON nests deeper
    than Python's stack)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if type(item) is str:
            if "\x00" in item:
                return True
        elif type(item) is dict:
            pending.extend(item)
            pending.extend(item.values())
        elif type(item) is list:
            pending.extend(item)
    return False


def judge(event: dict, context: ReadContext) -> tuple[str, str, str, str | None, datetime | None]:
    """The typed columns of a JSON object's event (event_id, event_name, event_time, user_id, event_at), or why it is
    rejected. event_at is the instant event_time names when no source zone is needed to read it (staging reads the
    others, whose instant follows METRICS_SOURCE_TZ at build time)."""
    event_id, event_name, event_time = event.get("event_id"), event.get("event_name"), event.get("event_time")
    # The common case: ASCII, which NFKC leaves as it is, with something left once trimmed (values.is_blank).
    if not (
        type(event_id) is str
        and type(event_name) is str
        and event_id.isascii()
        and event_name.isascii()
        and event_id.strip(TRIM)
        and event_name.strip(TRIM)
    ):
        event_id = _required_text(event, "event_id", allow_int=True)
        event_name = _required_text(event, "event_name")
    if event_time is None or event_time == "":
        raise RecordRejected("missing_field:event_time", "required field event_time is missing or empty")
    parsed, zone_free = read_timestamp(event_time, "event_time", context.source_zone)
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
    event_time = event_time if type(event_time) is str else str(event_time)
    return event_id, event_name, event_time, user_id or None, parsed if zone_free else None


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
    if value is None or (type(value) is str and is_blank(value)):
        raise RecordRejected(f"missing_field:{field}", f"required field {field} is missing, empty or blank")
    if type(value) is int and allow_int:
        return str(value)
    if type(value) is not str:
        raise RecordRejected(f"bad_type:{field}", f"{field} must be a string, got {type(value).__name__}")
    return value
