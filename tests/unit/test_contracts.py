"""The landing-zone contract (metrics_warehouse/contracts.py) is the one the DDL, ingestion and the README describe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from metrics_warehouse.contracts import (
    CSV_EXTRA_COLUMN,
    FILE_REASONS,
    LANDING_SKIP_REASONS,
    RECORD_REASONS,
    SKIP_RULES,
    SOURCES,
)
from metrics_warehouse.ingest.reasons import FileRejected, RecordRejected

PROJECT = Path(__file__).resolve().parents[2]
PACKAGE = PROJECT / "plugins" / "metrics_warehouse"


def raw_tables_in_ddl() -> dict[str, list[str]]:
    ddl = (PACKAGE / "warehouse" / "ddl.sql").read_text()
    tables = re.findall(r"create table if not exists raw\.(\w+) \((.*?)\n\);", ddl, flags=re.S)
    return {
        name: [line.split()[0] for line in body.strip().splitlines() if not line.strip().startswith("primary key")]
        for name, body in tables
    }


def test_the_ddl_creates_every_raw_table_with_the_contract_columns() -> None:
    tables = raw_tables_in_ddl()
    assert set(tables) == set(SOURCES)
    for name, source in SOURCES.items():
        extra = [CSV_EXTRA_COLUMN] if source.format == "csv" else []
        assert tables[name] == ["file_id", "line_number", *source.columns, *extra], name


def test_ingestion_raises_only_the_contract_reason_codes() -> None:
    code = "\n".join(p.read_text() for p in (PACKAGE / "ingest").glob("*.py"))
    record = set(re.findall(r'RecordRejected\(\s*f?"([a-z0-9_]+)', code))
    file = set(re.findall(r'FileRejected\(\s*f?"([a-z0-9_]+)', code))
    skipped = set(re.findall(r'Skipped\("([a-z_]+)"\)', code))
    assert record and record <= set(RECORD_REASONS)
    assert file and file <= set(FILE_REASONS)
    assert skipped == set(SKIP_RULES)


def test_a_reason_code_outside_the_contract_is_refused() -> None:
    assert RecordRejected("bad_number:spend", "x").reason == "bad_number:spend"
    with pytest.raises(ValueError, match="not a RecordRejected reason code"):
        RecordRejected("corrupt_gzip", "a file reason is not a record reason")
    with pytest.raises(ValueError):
        FileRejected("no_such_reason", "x")


def test_the_readme_lists_every_reason_code() -> None:
    readme = (PROJECT / "README.md").read_text()
    for code in (*RECORD_REASONS, *FILE_REASONS, *SKIP_RULES, *LANDING_SKIP_REASONS):
        assert f"`{code}" in readme, code
