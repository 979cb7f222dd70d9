"""What a reader yields for each record, and the COPY text encoding of accepted rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from metrics_warehouse.ingest.reasons import RecordRejected
from metrics_warehouse.settings import Settings

Row = Sequence[str | None]


@dataclass(frozen=True)
class Skipped:
    """A record passed over by a stated rule (SKIP_RULES)."""

    rule: str


# (record's first line number, the record as received, its outcome)
Outcome = tuple[int, str, Row | RecordRejected | Skipped]
Records = Iterator[Outcome]
BLOCK_ROWS = 4096


@dataclass
class Block:
    """Consecutive records of a file: the accepted ones as COPY data (file_id and line number first: text, or bytes
    in the binary format), the others as their outcomes, in line order."""

    copy_data: str | bytes | bytearray
    loaded: int
    others: list[Outcome]


@dataclass(frozen=True)
class ReadContext:
    """What a reader needs to judge one file's records."""

    delivery_date: date
    min_event_date: date
    source_zone: ZoneInfo
    earliest_event_time: datetime
    latest_event_time: datetime
    max_amount: Decimal
    max_count: int

    @classmethod
    def for_delivery(cls, settings: Settings, delivery_date: date) -> ReadContext:
        zone = settings.reporting_zone
        return cls(
            delivery_date=delivery_date,
            min_event_date=settings.min_event_date,
            source_zone=settings.source_zone,
            # In UTC: comparing against a fixed offset is cheaper than against a ZoneInfo, once per event.
            earliest_event_time=datetime.combine(settings.min_event_date, time(), zone).astimezone(UTC),
            # "more than 1 day after the end of its delivery date": the end is midnight starting the next day.
            latest_event_time=datetime.combine(delivery_date + timedelta(days=2), time(), zone).astimezone(UTC),
            max_amount=settings.max_amount,
            max_count=settings.max_count,
        )


def copy_text(value: str | None) -> str:
    """One field in PostgreSQL COPY text format."""
    if value is None:
        return "\\N"
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def copy_line(file_id: int, line_number: int, row: Row) -> str:
    return f"{file_id}\t{line_number}\t" + "\t".join(map(copy_text, row)) + "\n"


def blocks(records: Records, file_id: int) -> Iterator[Block]:
    """The records of a per-record reader (the CSV sources), in blocks."""
    lines: list[str] = []
    others: list[Outcome] = []
    for line_number, raw, outcome in records:
        if type(outcome) is tuple:
            lines.append(copy_line(file_id, line_number, outcome))
        else:
            others.append((line_number, raw, outcome))
        if len(lines) + len(others) >= BLOCK_ROWS:
            yield Block("".join(lines), len(lines), others)
            lines, others = [], []
    if lines or others:
        yield Block("".join(lines), len(lines), others)
