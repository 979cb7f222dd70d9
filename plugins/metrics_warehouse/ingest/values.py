"""Parsers for the values ingestion validates (timestamps, dates, numbers), shared by all sources."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from metrics_warehouse.ingest.reasons import RecordRejected

NO_ANSWER = {"", "n/a", "na", "null", "none"}
_NUMBER_NOISE = re.compile(r"[\s,¥$￥€£]|^(cny|rmb|usd)|(cny|rmb|usd)$", re.IGNORECASE)


def parse_timestamp(value: object, field: str, source_zone: ZoneInfo) -> datetime:
    """ISO-8601 (any offset, `Z`, or naive in the source zone) or integer epoch milliseconds, as an aware datetime."""
    if type(value) is int:
        return _from_epoch_ms(value, field)
    if type(value) is not str:
        raise RecordRejected(f"bad_type:{field}", f"{field} must be a string or an integer, got {type(value).__name__}")
    text = value.strip()
    if text.isascii() and (text.isdigit() or (text[:1] == "-" and text[1:].isdigit())):
        return _from_epoch_ms(int(text), field)
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise RecordRejected(
            f"bad_timestamp:{field}", f"{field} {value!r} is not ISO-8601 or epoch milliseconds"
        ) from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=source_zone)


def _from_epoch_ms(ms: int, field: str) -> datetime:
    try:
        return datetime.fromtimestamp(ms / 1000, UTC)
    except (OverflowError, OSError, ValueError):
        raise RecordRejected(f"bad_timestamp:{field}", f"{field} {ms} is out of range for epoch milliseconds") from None


def parse_date(value: str, field: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise RecordRejected(f"bad_date:{field}", f"{field} {value!r} is not a YYYY-MM-DD date") from None


def parse_number(value: str, field: str) -> Decimal | None:
    """A number as spreadsheets write it (`¥12,345.60`, `1 234`, `$5`); None for no answer."""
    if value.strip().lower() in NO_ANSWER:
        return None
    cleaned = _NUMBER_NOISE.sub("", value.strip())
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise RecordRejected(f"bad_number:{field}", f"{field} {value!r} is not a number") from None
    if not number.is_finite():
        raise RecordRejected(f"bad_number:{field}", f"{field} {value!r} is not a finite number")
    return number


def parse_integer_in(value: str, field: str, low: int, high: int) -> int | None:
    """An integer answer within [low, high]; None for no answer (empty or N/A)."""
    number = parse_number(value, field)
    if number is None:
        return None
    if number != number.to_integral_value():
        raise RecordRejected(f"bad_number:{field}", f"{field} {value!r} is not an integer")
    if not low <= number <= high:
        raise RecordRejected(f"out_of_range:{field}", f"{field} {value!r} is outside {low}..{high}")
    return int(number)
