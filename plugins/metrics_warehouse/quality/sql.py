"""SQL snippets the raw suites use to read text values the way ingestion does (metrics_warehouse.ingest.values)."""

from __future__ import annotations

_NO_ANSWER = "('', 'n/a', 'na', 'null', 'none')"
_NUMERIC = r"'^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$'"


def _cleaned(expr: str) -> str:
    without_code = rf"regexp_replace(btrim({expr}), '^(cny|rmb|usd)|(cny|rmb|usd)$', '', 'gi')"
    return rf"regexp_replace({without_code}, '[\s,¥$￥€£]', '', 'g')"


def blank(expr: str) -> str:
    """True when the text is no answer (NULL, empty, N/A...)."""
    return f"({expr} is null or lower(btrim({expr})) in {_NO_ANSWER})"


def number(expr: str) -> str:
    """The text as numeric (`¥12,345.60` -> 12345.60); NULL when blank or not a number."""
    cleaned = _cleaned(expr)
    return f"(case when not {blank(expr)} and {cleaned} ~ {_NUMERIC} then {cleaned}::numeric end)"


def not_a_number(expr: str) -> str:
    """True when the text is an answer that is not a number."""
    return f"(not {blank(expr)} and {_cleaned(expr)} !~ {_NUMERIC})"


def timestamp_text_ok(expr: str) -> str:
    """True when the text looks like ISO-8601 or epoch milliseconds (ingestion parsed it exactly)."""
    return rf"(btrim({expr}) ~ '^(-?[0-9]+|[0-9]{{4}}-?[0-9]{{2}}-?[0-9]{{2}}([T ].*)?)$')"
