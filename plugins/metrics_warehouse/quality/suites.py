"""Suites as code: the modules under expectations/ build a `Suite` of query assets and tagged GX expectations."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from types import ModuleType
from typing import TYPE_CHECKING

from metrics_warehouse.quality.results import CRITICAL, WARNING
from metrics_warehouse.settings import EXPECTATIONS_DIR

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation


@dataclass(frozen=True)
class Asset:
    """A SQL query validated as one batch, or with no query the target table itself (schema.table). `index_columns`
    identify failing rows (delivery_date first when present)."""

    name: str
    target: str
    query: str | None
    expectations: list[Expectation]
    index_columns: tuple[str, ...] = ()
    # For a query that computes costly columns (the raw suites parse every value): an integer column of its rows, by
    # which they are computed once into a work table, in shares on parallel connections (quality.work_tables).
    work_split: str | None = None
    # The query reads what dbt builds: on Spark (METRICS_ENGINE=spark) it runs there, its rows copied into a work table.
    reads_models: bool = False


@dataclass(frozen=True)
class Suite:
    name: str
    assets: list[Asset]
    source: str | None = None
    # Delivery dates of the checked files: results of checks that do not point at rows are stored once per date.
    delivery_dates: list = field(default_factory=list)


def tagged(severity: str, check: str, expectation: Expectation) -> Expectation:
    """Give an expectation its severity and a short stable name (stored as ops.quality_results.expectation)."""
    expectation.severity = severity
    expectation.meta = {**(expectation.meta or {}), "check": check}
    return expectation


def critical(check: str, expectation: Expectation) -> Expectation:
    return tagged(CRITICAL, check, expectation)


def warning(check: str, expectation: Expectation) -> Expectation:
    return tagged(WARNING, check, expectation)


def literal(value: str) -> str:
    """A SQL string literal (standard_conforming_strings is on in every supported PostgreSQL)."""
    return "'" + value.replace("'", "''") + "'"


def load_module(name: str) -> ModuleType:
    """Import expectations/<name>.py by path (the folder is configuration, not part of the package)."""
    path = EXPECTATIONS_DIR / f"{name}.py"
    if not path.is_file():
        raise FileNotFoundError(f"no expectation suite module {path}")
    spec = importlib.util.spec_from_file_location(f"metrics_warehouse_expectations.{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
