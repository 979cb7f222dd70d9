"""SQL snippets the raw suites use to read text values by the value rules (README: Value rules): the ops.parse_*
functions of warehouse/ddl.sql, the SQL side of metrics_warehouse.ingest.values. They return NULL, never an error."""

from __future__ import annotations


def blank(expr: str) -> str:
    """True when the text is no answer (NULL, empty, N/A...)."""
    return f"ops.no_answer({expr})"


def number(expr: str) -> str:
    """The text as numeric (`¥12,345.60` -> 12345.60); NULL when blank or not a number."""
    return f"ops.parse_number({expr})"


def not_a_number(expr: str) -> str:
    """True when the text is an answer that is not a number."""
    return f"(not {blank(expr)} and {number(expr)} is null)"


def timestamp_ok(expr: str) -> str:
    """True when the text is a timestamp (the zone of naive values does not matter here)."""
    return f"(ops.parse_timestamp({expr}, 'UTC') is not null)"


def date_ok(expr: str) -> str:
    """True when the text is a YYYY-MM-DD calendar date."""
    return f"(ops.parse_date({expr}) is not null)"
