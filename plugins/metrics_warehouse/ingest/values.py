"""The value rules (README: Value rules): what a timestamp, a date, a number, a money amount, a count and a score are.

Ingestion accepts a record only when these rules read its values; staging and the gates read the same text with the
SQL functions of warehouse/ddl.sql (`ops.parse_timestamp`, `ops.parse_date`, `ops.parse_number`, `ops.parse_integer`),
which return NULL where these raise. tests/cases/values.yml holds both sides to the same table of cases.

Every value is first normalised: Unicode NFKC (full-width digits, signs and spaces, NBSP and U+3000 become ASCII),
then trimmed of spaces, tabs and line breaks.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone, tzinfo
from decimal import Decimal

from metrics_warehouse.ingest.reasons import RecordRejected

NO_ANSWER = {"", "n/a", "na", "null", "none"}
TRIM = " \t\n\r\x0b\x0c"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_DATE = r"([12][0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
# Integer epoch milliseconds, at most 13 digits (until the year 2286).
EPOCH_MS = re.compile(r"^[0-9]{1,13}$")
DATE = re.compile(rf"^{_DATE}$")
# ISO-8601 extended: a date, optionally a time to the minute at least (`.` or `,` before a fraction), optionally an
# offset after the time (spaces allowed before it). Years 1000-2999; offsets up to 14 hours.
TIMESTAMP = re.compile(
    rf"^{_DATE}(?:[Tt ]([01][0-9]|2[0-3]):([0-5][0-9])(?::([0-5][0-9])(?:[.,]([0-9]{{1,9}}))?)?"
    r"[ \t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])(?::?([0-5][0-9]))?)?)?$"
)
# The common case of TIMESTAMP, already normalised: seconds, at most microseconds, `Z` or a `±hh:mm` offset. Python's
# own ISO reader parses it to the same instant, several times faster (it runs once per event).
_TIMESTAMP_COMMON = re.compile(
    r"[12][0-9]{3}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"
    r"(?:\.[0-9]{1,6})?(?:Z|[+-](?:0[0-9]|1[0-4]):[0-5][0-9])"
)
# ISO-8601 basic format, with the `T` (so it is never mistaken for epoch milliseconds): 20261101T160000Z.
TIMESTAMP_BASIC = re.compile(
    r"^([12][0-9]{3})(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])[Tt]([01][0-9]|2[0-3])([0-5][0-9])(?:([0-5][0-9])"
    r"(?:[.,]([0-9]{1,9}))?)?[ \t]*(?:([Zz])|([+-])(0[0-9]|1[0-4])([0-5][0-9])?)?$"
)
# A number as spreadsheets write it, once currency symbols and codes are gone: thousands grouped by `,` or ` ` in
# threes, `.` as the decimal point, an optional exponent. `1.234,56` (a decimal comma) does not match: ambiguous.
_CURRENCY = re.compile(r"^(?:cny|rmb|usd) *| *(?:cny|rmb|usd)$|[¥$€£]", re.IGNORECASE)
NUMBER = re.compile(
    r"^([+-]?)([0-9]{1,3}(?:,[0-9]{3})+|[0-9]{1,3}(?: [0-9]{3})+|[0-9]+)?(\.[0-9]*)?([eE][+-]?[0-9]+)?$"
)


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(TRIM)


def is_blank(text: str) -> bool:
    """Nothing left once normalised: a key or required field made of spaces (U+3000, NBSP ...) is missing."""
    if text.isascii():  # NFKC leaves ASCII as it is
        return not text.strip(TRIM)
    return not normalise(text)


def parse_timestamp(value: object, field: str, source_zone: tzinfo) -> datetime:
    """Epoch milliseconds (a JSON integer or digits) or ISO-8601 (naive: in `source_zone`), as a datetime in UTC (which
    compares with another in UTC several times faster than across offsets)."""
    return read_timestamp(value, field, source_zone)[0]


def read_timestamp(value: object, field: str, source_zone: tzinfo) -> tuple[datetime, bool]:
    """`parse_timestamp`, and whether the value names its instant whatever the source zone (epoch milliseconds, `Z`
    or an offset); a naive value's instant moves when METRICS_SOURCE_TZ does."""
    if type(value) is str and _TIMESTAMP_COMMON.fullmatch(value):
        try:
            return datetime.fromisoformat(value).astimezone(UTC), True
        except ValueError:
            pass  # no such day: the general path below says so
    if type(value) is int:
        value = str(value)
    elif type(value) is not str:
        raise RecordRejected(f"bad_type:{field}", f"{field} must be a string or an integer, got {type(value).__name__}")
    text = normalise(value)
    if EPOCH_MS.match(text):
        return _EPOCH + timedelta(milliseconds=int(text)), True
    match = TIMESTAMP.match(text) or TIMESTAMP_BASIC.match(text)
    if match is None:
        raise RecordRejected(
            f"bad_timestamp:{field}",
            f"{field} {value!r} is not ISO-8601 (a date, a time to the minute, an offset) or epoch milliseconds",
        )
    year, month, day, hour, minute, second, fraction, zulu, sign, offset_hours, offset_minutes = match.groups()
    zone = source_zone
    if zulu:
        zone = UTC
    elif sign:
        offset = timedelta(hours=int(offset_hours), minutes=int(offset_minutes or 0))
        zone = timezone(-offset if sign == "-" else offset)
    try:
        moment = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "")[:6].ljust(6, "0")),
            tzinfo=zone,
        ).astimezone(UTC)
    except ValueError:
        raise RecordRejected(f"bad_timestamp:{field}", f"{field} {value!r} is not a calendar date") from None
    return moment, bool(zulu or sign)


def parse_date(value: str, field: str) -> date:
    """A calendar date written YYYY-MM-DD (basic `20260905` and week dates `2026-W36-6` are not read)."""
    match = DATE.match(normalise(value))
    try:
        if match is None:
            raise ValueError
        return date(*map(int, match.groups()))
    except ValueError:
        raise RecordRejected(f"bad_date:{field}", f"{field} {value!r} is not a YYYY-MM-DD date") from None


def is_no_answer(value: str) -> bool:
    return normalise(value).lower() in NO_ANSWER


def parse_number(value: object, field: str) -> Decimal | None:
    """A number as spreadsheets and JSON write it (`¥12,345.60`, `1 234`, `1.2e3`, 42); None for no answer."""
    if type(value) is int or type(value) is float:
        return Decimal(repr(value))
    if value is None:
        return None
    if type(value) is not str:
        raise RecordRejected(f"bad_type:{field}", f"{field} must be a number or a string, got {type(value).__name__}")
    if is_no_answer(value):
        return None
    match = NUMBER.match(_CURRENCY.sub("", normalise(value)).strip(" "))
    if match is None or not (match[2] or (match[3] or "")[1:]):
        why = "a decimal comma is ambiguous" if re.search(r"[0-9]\.[0-9]{3},[0-9]", value) else "not a number"
        raise RecordRejected(f"bad_number:{field}", f"{field} {value!r}: {why}")
    sign, whole, fraction, exponent = match.groups()
    digits = (whole or "0").replace(",", "").replace(" ", "") + (fraction or "")
    if len((whole or "") + (fraction or "")) > 100 or len((exponent or "").lstrip("eE+-")) > 3:
        raise RecordRejected(f"out_of_range:{field}", f"{field} {value!r} has more digits than any plausible value")
    return Decimal(sign + digits + (exponent or ""))


def parse_amount(value: object, field: str, limit: Decimal) -> Decimal | None:
    """Money (or a rate): a number no larger in magnitude than `limit` (METRICS_MAX_AMOUNT)."""
    number = parse_number(value, field)
    if number is not None and abs(number) > limit:
        raise RecordRejected(f"out_of_range:{field}", f"{field} {value!r} is beyond ±{limit} (METRICS_MAX_AMOUNT)")
    return number


def parse_integer(value: object, field: str, low: int, high: int) -> int | None:
    """A whole number within [low, high]; None for no answer. `9.0` and `1.5E+3` are whole numbers."""
    number = parse_number(value, field)
    if number is None:
        return None
    if not low <= number <= high:
        raise RecordRejected(f"out_of_range:{field}", f"{field} {value!r} is outside {low}..{high}")
    if number != number.to_integral_value():
        raise RecordRejected(f"bad_number:{field}", f"{field} {value!r} is not a whole number")
    return int(number)
