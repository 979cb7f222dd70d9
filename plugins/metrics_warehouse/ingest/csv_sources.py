"""The CSV sources (feedback, surveys, marketing_spend, fx_rates): contract columns, record rules, streaming reader."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from metrics_warehouse.contracts import CSV_EXTRA_COLUMN, Source
from metrics_warehouse.contracts import SOURCES as CONTRACTS
from metrics_warehouse.ingest.reasons import FileRejected, RecordRejected
from metrics_warehouse.ingest.records import ReadContext, Records, Skipped
from metrics_warehouse.ingest.values import is_blank, parse_amount, parse_date, parse_integer, parse_timestamp

ENCODINGS = ("utf-8-sig", "gb18030")
TOTAL_LABELS = {"合计", "总计", "總計", "total", "grand total", "sum"}
_TOTAL = Skipped("total_row")
_BLANK = Skipped("blank_line")

Validator = Callable[[dict[str, str], ReadContext], None]


@dataclass(frozen=True)
class CsvSource:
    contract: Source  # name, raw table and the columns every header must hold, in raw-table order
    required_values: tuple[str, ...]
    validate: Validator
    total_rows: bool = False

    @property
    def name(self) -> str:
        return self.contract.name

    @property
    def table(self) -> str:
        return self.contract.table

    @property
    def columns(self) -> tuple[str, ...]:
        return self.contract.columns

    @property
    def copy_columns(self) -> tuple[str, ...]:
        return (*self.columns, CSV_EXTRA_COLUMN)


def _timestamps(*names: str) -> Validator:
    def check(record: dict[str, str], context: ReadContext) -> None:
        for name in names:
            if not is_blank(record[name]):
                parse_timestamp(record[name], name, context.source_zone)

    return check


def _all(*checks: Validator) -> Validator:
    def check(record: dict[str, str], context: ReadContext) -> None:
        for one in checks:
            one(record, context)

    return check


def _rating(record: dict[str, str], _: ReadContext) -> None:
    parse_integer(record["rating"], "rating", 1, 5)


def _scores(record: dict[str, str], _: ReadContext) -> None:
    parse_integer(record["nps_score"], "nps_score", 0, 10)
    parse_integer(record["csat_score"], "csat_score", 1, 5)


def _spend(record: dict[str, str], context: ReadContext) -> None:
    parse_date(record["date"], "date")
    for name in ("impressions", "clicks"):
        parse_integer(record[name], name, 0, context.max_count)
    spend = parse_amount(record["spend"], "spend", context.max_amount)
    if spend is None or spend < 0:
        reason = "missing_field:spend" if spend is None else "out_of_range:spend"
        raise RecordRejected(reason, f"spend {record['spend']!r} must be a number of at least 0")


def _fx(record: dict[str, str], context: ReadContext) -> None:
    parse_date(record["date"], "date")
    rate = parse_amount(record["rate"], "rate", context.max_amount)
    if rate is None or rate <= 0:
        raise RecordRejected("out_of_range:rate", f"rate {record['rate']!r} must be a positive number")


SOURCES: dict[str, CsvSource] = {
    source.name: source
    for source in (
        CsvSource(
            CONTRACTS["feedback"],
            required_values=("feedback_id", "created_at"),
            validate=_all(_timestamps("created_at", "first_response_at", "resolved_at"), _rating),
        ),
        CsvSource(
            CONTRACTS["surveys"],
            required_values=("response_id", "survey_id", "submitted_at"),
            validate=_all(_timestamps("submitted_at"), _scores),
        ),
        CsvSource(
            CONTRACTS["marketing_spend"],
            required_values=("date", "channel", "campaign_id", "spend"),
            validate=_spend,
            total_rows=True,
        ),
        CsvSource(CONTRACTS["fx_rates"], required_values=("date", "currency", "rate"), validate=_fx),
    )
}


@dataclass
class CsvFile:
    """One CSV file being read: its header decides the extra (drifted) columns and those with no name."""

    spec: CsvSource
    path: Path
    encoding: str
    context: ReadContext
    extra_columns: list[str] = field(default_factory=list)
    unnamed: list[int] = field(default_factory=list)  # indexes of header cells with no name (Excel's trailing ,,,)

    @property
    def schema_drift(self) -> dict | None:
        """The header's columns beyond the contract, and the positions (from 1) of those with no name."""
        drift = {"extra_columns": self.extra_columns, "unnamed_columns": [index + 1 for index in self.unnamed]}
        return {key: value for key, value in drift.items() if value} or None


def open_csv(spec: CsvSource, path: Path, encoding: str, context: ReadContext) -> tuple[CsvFile, Records]:
    handle = CsvFile(spec, path, encoding, context)
    return handle, _records(handle)


def _physical_lines(path: Path, encoding: str, consumed: list[str]) -> Iterator[str]:
    """Text lines (newline kept, as csv wants), remembering those of the record being parsed."""
    with path.open("rb") as raw:
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        try:
            for line in text:
                consumed.append(line)
                yield line
        except UnicodeDecodeError as error:
            raise FileRejected("undecodable", f"{path}: bytes that are not {encoding} ({error.reason})") from None


def _records(handle: CsvFile) -> Records:
    spec, path = handle.spec, handle.path
    consumed: list[str] = []
    reader = csv.reader(_physical_lines(path, handle.encoding, consumed), strict=True)
    header = _next(reader, path)
    if header is None:
        return
    names = [name.strip().lower() for name in header]
    # A cell with no name names no column: it is dropped when empty on every line (_judge quarantines a value there).
    handle.unnamed = [index for index, name in enumerate(names) if not name]
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise FileRejected(f"duplicate_column:{repeated[0]}", f"{path}: column(s) named twice: {', '.join(repeated)}")
    missing = [column for column in spec.columns if column not in names]
    if missing:
        raise FileRejected(f"missing_column:{missing[0]}", f"{path}: required column(s) missing: {', '.join(missing)}")
    handle.extra_columns = [name for name in names if name and name not in spec.columns]
    line_number = len(consumed) + 1
    consumed.clear()
    while True:
        try:
            fields = _next(reader, path)
        except csv.Error as error:
            yield line_number, "".join(consumed), RecordRejected("malformed_csv", str(error))
        else:
            if fields is None:
                return
            yield line_number, "".join(consumed), _judge(spec, names, fields, handle)
        line_number += len(consumed)
        consumed.clear()


def _next(reader, path: Path) -> list[str] | None:
    try:
        return next(reader)
    except StopIteration:
        return None
    except csv.Error as error:
        if "unexpected end of data" in str(error):
            raise FileRejected("unterminated_quote", f"{path}: a quoted field is never closed") from None
        raise


def _judge(spec: CsvSource, names: list[str], fields: list[str], handle: CsvFile):
    if not fields or fields == [""]:
        return _BLANK
    if any("\x00" in value for value in fields):
        return RecordRejected("unsupported_character", "a NUL byte, which PostgreSQL text cannot store")
    if spec.total_rows and fields[0].strip().lower() in TOTAL_LABELS:
        return _TOTAL
    if len(fields) != len(names):
        return RecordRejected("wrong_field_count", f"{len(fields)} fields where the header has {len(names)}")
    for index in handle.unnamed:
        if not is_blank(fields[index]):
            return RecordRejected(
                f"unnamed_column:{index + 1}",
                f"column {index + 1} has no name in the header but a value here ({fields[index]!r}): "
                "name the column or clear the value",
            )
    record = dict(zip(names, fields, strict=True))
    try:
        for name in spec.required_values:
            if is_blank(record[name]):
                raise RecordRejected(f"missing_field:{name}", f"required field {name} is empty")
        spec.validate(record, handle.context)
    except RecordRejected as rejected:
        return rejected
    extra = {name: record[name] for name in handle.extra_columns}
    return (*(record[c] for c in spec.columns), orjson.dumps(extra).decode() if extra else None)
