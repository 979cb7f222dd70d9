"""The acceptance between engines (tests/spark_compare.py) finds what it must: counts exact, money within 1e-6
relative, ratios within 1e-9 relative, NULL exactly where PostgreSQL has NULL; and every kpi column has a kind."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path

import yaml

from tests.spark_compare import compare_tables, kpi_column_kinds, max_relative_difference

KINDS = {"date": "date", "channel": "text", "signups": "bigint", "spend": "money", "ctr": "ratio"}
PG_ROWS = [
    {
        "date": datetime.date(2026, 1, 1),
        "channel": "douyin",
        "signups": 3,
        "spend": Decimal("120.1234567"),
        "ctr": Decimal("0.33333333333333333333"),
    },
    {"date": datetime.date(2026, 1, 2), "channel": "douyin", "signups": 0, "spend": Decimal(0), "ctr": None},
]


def spark_rows(**changes) -> list[dict]:
    """PG_ROWS as pyhive reads them from Spark (dates as text, decimals of Spark's scale), with `changes` to row 0."""
    rows = [
        {
            "date": "2026-01-01",
            "channel": "douyin",
            "signups": 3,
            "spend": Decimal("120.123457"),
            "ctr": Decimal("0.333333333333333333"),
        },
        {"date": "2026-01-02", "channel": "douyin", "signups": 0, "spend": Decimal("0.000000"), "ctr": None},
    ]
    rows[0].update(changes)
    return rows


def test_equal_tables_within_the_tolerances_agree():
    assert compare_tables(PG_ROWS, list(reversed(spark_rows())), KINDS) == []
    assert max_relative_difference(PG_ROWS, spark_rows(), KINDS) < Decimal("1e-8")


def test_a_money_or_ratio_beyond_its_tolerance_differs():
    assert len(compare_tables(PG_ROWS, spark_rows(spend=Decimal("120.1236")), KINDS)) == 1
    assert len(compare_tables(PG_ROWS, spark_rows(ctr=Decimal("0.333333334")), KINDS)) == 1


def test_a_null_on_one_side_only_differs():
    differences = compare_tables(PG_ROWS, spark_rows(ctr=None), KINDS)
    assert len(differences) == 1
    assert differences[0].startswith("ctr: 0.33333333333333333333 on PostgreSQL, None on Spark")


def test_a_count_that_differs_leaves_rows_unpaired():
    differences = compare_tables(PG_ROWS, spark_rows(signups=4), KINDS)
    assert any("only on PostgreSQL" in d for d in differences) and any("only on Spark" in d for d in differences)
    assert compare_tables(PG_ROWS, spark_rows()[:1], KINDS)[0] == "2 rows on PostgreSQL, 1 on Spark"


def test_every_kpi_column_has_a_kind_of_the_type_vocabulary():
    project = yaml.safe_load((Path(__file__).resolve().parents[2] / "dbt_project" / "dbt_project.yml").read_text())
    vocabulary = set(project["vars"]["sql_types"]["postgres"])
    kinds = kpi_column_kinds()
    assert len(kinds) == 14
    assert {kind for columns in kinds.values() for kind in columns.values()} <= vocabulary
