"""The Spark value rules (dbt_project/macros/engine/values.sql) normalise text as NFKC does wherever the rules can see
it: their tables of characters must be exactly what Python's unicodedata says."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MACROS = Path(__file__).parents[2] / "dbt_project" / "macros" / "engine" / "values.sql"
# Every character a rule accepts (README: Value rules): digits, signs, separators, spaces and the trimmed whitespace,
# the currency symbols, and the letters of T/Z, e/E, n/a, na, null, none, cny, rmb and usd in both cases.
READ_BY_THE_RULES = set("0123456789+-.,:/ \t\n\r\x0b\x0c¥$€£") | set("TtZzEeNnAaUuLlOoCcYyRrMmBbSsDd")


def _nfkc_tables() -> tuple[dict[str, str], dict[str, str]]:
    single, expansions = {}, {}
    for code_point in range(0x80, 0x110000):
        if 0xD800 <= code_point <= 0xDFFF:
            continue
        character = chr(code_point)
        normal = unicodedata.normalize("NFKC", character)
        if normal == character or not set(normal) <= READ_BY_THE_RULES:
            continue
        (single if len(normal) == 1 else expansions)[character] = normal
    return single, expansions


def _returned_pair(macro: str) -> tuple[str, str]:
    pattern = "{% macro " + macro + r"\(\) -%}\s*{{ return\(\('(.*?)', '(.*?)'\)\) }}"
    body = re.search(pattern, MACROS.read_text(), re.S)
    assert body, macro
    return body.group(1), body.group(2)


def test_the_single_character_table_is_nfkc() -> None:
    sources, results = _returned_pair("nfkc_single_characters")
    assert len(sources) == len(results)
    assert dict(zip(sources, results, strict=True)) == _nfkc_tables()[0]


def test_the_expansion_table_is_nfkc() -> None:
    sources, results = _returned_pair("nfkc_expansions")
    assert dict(zip(sources, results.split(";"), strict=True)) == _nfkc_tables()[1]
