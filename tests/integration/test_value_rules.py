"""The value rules, one table of cases (tests/cases/values.yml) against both sides: ingestion's Python parser and the
SQL functions staging and the gates call, on the real PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg
import pytest
import yaml

from metrics_warehouse.ingest import values
from metrics_warehouse.ingest.reasons import RecordRejected

CASES = yaml.safe_load((Path(__file__).parents[1] / "cases" / "values.yml").read_text(encoding="utf-8"))["cases"]
ZONE = "Asia/Shanghai"
MAX_AMOUNT = Decimal("1e9")
MAX_COUNT = 10**12

PYTHON = {
    "timestamp": lambda v: values.parse_timestamp(v, "f", ZoneInfo(ZONE)).astimezone(UTC).isoformat(),
    "date": lambda v: values.parse_date(v, "f").isoformat(),
    "amount": lambda v: values.parse_amount(v, "f", MAX_AMOUNT),
    "count": lambda v: values.parse_integer(v, "f", 0, MAX_COUNT),
    "score": lambda v: values.parse_integer(v, "f", 0, 10),
}
# What staging reads (the dbt macros parse_timestamp, parse_date, parse_number, parse_integer)
SQL = {
    "timestamp": f"select ops.parse_timestamp(%s, '{ZONE}')",
    "date": "select ops.parse_date(%s)",
    "amount": "select ops.parse_number(%s)",
    "count": "select ops.parse_integer(%s, -9223372036854775808, 9223372036854775807)",
    "score": "select ops.parse_integer(%s, -2147483648, 2147483647)",
}


def test_the_table_covers_every_rule_and_both_outcomes() -> None:
    assert len(CASES) >= 80
    for rule in PYTHON:
        outcomes = {str(expected).startswith("!") for r, _, expected in CASES if r == rule}
        assert outcomes == {True, False}, rule


def _canonical(value: object) -> object:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | Decimal):
        return Decimal(value)
    return value


@pytest.mark.parametrize(("rule", "text", "expected"), CASES, ids=[f"{r}:{t!r}" for r, t, _ in CASES])
def test_python_reads_or_quarantines(rule: str, text: str, expected: str | None) -> None:
    if expected is not None and expected.startswith("!"):
        with pytest.raises(RecordRejected) as rejected:
            PYTHON[rule](text)
        assert rejected.value.reason == f"{expected[1:]}:f"
    else:
        assert _canonical(PYTHON[rule](text)) == (
            Decimal(expected) if rule in ("amount", "count", "score") and expected is not None else expected
        )


def test_sql_reads_what_python_reads_and_never_fails(pg_url: str) -> None:
    mismatches = []
    with psycopg.connect(pg_url) as conn:
        for rule, text, expected in CASES:
            got = _canonical(conn.execute(SQL[rule], (text,)).fetchone()[0])
            if expected is None or not expected.startswith("!"):
                want = Decimal(expected) if rule in ("amount", "count", "score") and expected else expected
                if got != want:
                    mismatches.append((rule, text, expected, got))
            elif expected != "!out_of_range" and got is not None:  # beyond a bound: SQL may read it, never fail
                mismatches.append((rule, text, expected, got))
    assert mismatches == []
