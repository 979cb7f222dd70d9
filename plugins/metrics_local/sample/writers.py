"""File formats: planned landing files to exact bytes, and bytes to disk.

Output is byte-for-byte reproducible: no wall-clock time (gzip mtime 0, no file name in the gzip header), insertion
ordered dicts, and files left untouched when their bytes are already right.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from metrics_local.sample.layout import LandingFile, Tag
from metrics_local.sample.population import Event
from metrics_warehouse.contracts import SAMPLE_MANIFEST as MANIFEST

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
OFFSETS = {"+09:00": timedelta(hours=9), "-05:00": timedelta(hours=-5), "+05:30": timedelta(hours=5, minutes=30)}
TIME_FORMATS = ("offset", "utc", "epoch_ms", "naive", *OFFSETS)


def format_time(moment: datetime, fmt: str) -> str | int:
    """An aware datetime as events carry it: ISO-8601 (+08:00, Z, another offset, naive local) or epoch millis."""
    if fmt == "epoch_ms":
        return (moment - EPOCH) // timedelta(milliseconds=1)
    if fmt == "utc":
        return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    if fmt == "naive":
        return moment.replace(tzinfo=None).isoformat(timespec="milliseconds")
    if fmt in OFFSETS:
        return moment.astimezone(timezone(OFFSETS[fmt])).isoformat(timespec="milliseconds")
    return moment.isoformat(timespec="milliseconds")


def event_record(event: Event, fmt: str = "offset") -> dict:
    record = {"event_id": event.event_id, "event_name": event.name, "event_time": format_time(event.time, fmt)}
    record["user_id"] = event.user_id
    if event.anonymous_id:
        record["anonymous_id"] = event.anonymous_id
    record["platform"] = event.platform
    if event.app_version:
        record["app_version"] = event.app_version
    if event.received:
        record["received_at"] = format_time(event.received, "utc")
    record.update(event.utm or {})
    if event.properties is not None:
        record["properties"] = event.properties
    return record


def json_line(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class Placed:
    """A tag at its final place: 1-based physical line and record number (None for the whole file)."""

    tag: Tag
    line: int | None
    record: int | None


@dataclass(frozen=True)
class Rendered:
    data: bytes
    records: int  # JSON lines, or CSV data records after the header
    placed: list[Placed]


def render(file: LandingFile) -> Rendered:
    if file.copy_of is not None:
        data, records, placed = render(file.copy_of).data, 0, []
    else:
        rendered = _csv(file) if file.is_csv else _jsonl(file)
        data, records, placed = rendered.data, rendered.records, rendered.placed
        if file.gzip:
            data = gzip.compress(data, compresslevel=6, mtime=0)
    if file.truncate:
        data = data[: len(data) // 2]
    return Rendered(data, records, [Placed(t, None, None) for t in file.tags] + placed)


def _jsonl(file: LandingFile) -> Rendered:
    texts, placed = [], []
    for number, line in enumerate(file.lines, start=1):
        value = line.value
        if isinstance(value, Event):
            texts.append(json_line(event_record(value, line.time_format)))
        else:
            texts.append(value if isinstance(value, str) else json_line(value))
        if line.tag:
            placed.append(Placed(line.tag, number, number))
    data = "".join(t + "\n" for t in texts).encode("utf-8")
    return Rendered(data, len(texts), placed)


def _csv(file: LandingFile) -> Rendered:
    encoding = "utf-8" if file.encoding == "utf-8-sig" else file.encoding
    chunks = [b"\xef\xbb\xbf"] if file.encoding == "utf-8-sig" and file.lines else []
    placed, line_number = [], 1
    for record, line in enumerate(file.lines):
        if isinstance(line.value, list):
            buffer = io.StringIO()
            csv.writer(buffer, lineterminator=file.newline).writerow(line.value)
            chunk = buffer.getvalue().encode(encoding)
        elif isinstance(line.value, bytes):
            chunk = line.value + file.newline.encode()
        else:
            chunk = (str(line.value) + file.newline).encode(encoding)
        if line.tag:
            placed.append(Placed(line.tag, line_number, record))
        chunks.append(chunk)
        line_number += chunk.count(b"\n")  # no GB18030 multi-byte sequence contains 0x0A
    return Rendered(b"".join(chunks), max(0, len(file.lines) - 1), placed)


def write_tree(out: Path, contents: dict[str, bytes], tick: Callable[[], None]) -> int:
    """Write every file (relative POSIX path → bytes) under out; returns how many changed on disk.

    Files this generator wrote last time (the manifest) that are no longer part of the sample are removed.
    """
    previous = _previous_files(out)
    for rel in sorted(previous - contents.keys()):
        stale = out / rel
        stale.unlink(missing_ok=True)
        for folder in (stale.parent, stale.parent.parent):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    changed = 0
    for rel, data in contents.items():
        path = out / rel
        if not (path.is_file() and path.stat().st_size == len(data) and path.read_bytes() == data):
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_name(f".{path.name}.tmp")
            temporary.write_bytes(data)
            os.replace(temporary, path)
            changed += 1
        tick()
    return changed


def _previous_files(out: Path) -> set[str]:
    try:
        return set(json.loads((out / MANIFEST).read_text(encoding="utf-8"))["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return set()


def write_manifest(out: Path, manifest: dict) -> None:
    data = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path = out / MANIFEST
    if not (path.is_file() and path.read_text(encoding="utf-8") == data):
        path.write_text(data, encoding="utf-8")
