"""Compare a kpi table built on PostgreSQL with the same table built on Spark (the acceptance between engines).

Counts and every other exact kind are equal, money within 1e-6 relative, ratios and doubles within 1e-9 relative, and
NULL exactly where PostgreSQL has NULL. A column's kind is the one its contract names in the model YAML
(`data_type: "{{ var('sql_types')[target.type].money }}"`): `kpi_column_kinds()` reads them.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path

import yaml

KPI_MODELS_DIR = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "kpi"

TOLERANCES = {"money": Decimal("1e-6"), "ratio": Decimal("1e-9"), "double": Decimal("1e-9")}
KIND_OF_DATA_TYPE = re.compile(r"sql_types'\)\[target\.type\]\.(\w+)")

Row = Mapping[str, object]


def kpi_column_kinds(models_dir: Path = KPI_MODELS_DIR) -> dict[str, dict[str, str]]:
    """{model: {column: kind}} for every kpi model, in the contract's column order."""
    kinds: dict[str, dict[str, str]] = {}
    for path in sorted(models_dir.glob("*.yml")):
        for model in (yaml.safe_load(path.read_text()) or {}).get("models") or []:
            columns = {}
            for column in model.get("columns") or []:
                match = KIND_OF_DATA_TYPE.search(str(column.get("data_type", "")))
                if match is None:
                    raise ValueError(f"{model['name']}.{column['name']}: data_type names no kind of vars.sql_types")
                columns[column["name"]] = match.group(1)
            kinds[model["name"]] = columns
    return kinds


def _normalized(value: object, kind: str) -> object:
    """One Python value per kind, whichever driver read it (pyhive reads a date as text, a decimal as Decimal)."""
    if value is None:
        return None
    if kind in TOLERANCES:
        return Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    if kind == "date" and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    if kind == "timestamptz":
        if isinstance(value, str):
            value = datetime.datetime.fromisoformat(value)
        # Spark's timestamps come without a zone (the session's, UTC); PostgreSQL's with one
        return value.astimezone(datetime.UTC).replace(tzinfo=None) if value.tzinfo else value
    return value


def relative_difference(expected: Decimal, actual: Decimal) -> Decimal:
    """|expected - actual| relative to the larger magnitude (0 when both are 0)."""
    scale = max(abs(expected), abs(actual))
    return abs(expected - actual) / scale if scale else Decimal(0)


def _pairs(
    pg_rows: Sequence[Row], spark_rows: Sequence[Row], columns_kinds: Mapping[str, str]
) -> tuple[list[tuple[dict, dict]], list[str]]:
    """The rows paired by their exact columns (then by their approximate ones, within equal exact columns), and a
    difference for each row left without a partner."""
    exact = [column for column, kind in columns_kinds.items() if kind not in TOLERANCES]
    approximate = [column for column, kind in columns_kinds.items() if kind in TOLERANCES]

    def grouped(rows: Sequence[Row]) -> dict[tuple, list[dict]]:
        groups: dict[tuple, list[dict]] = defaultdict(list)
        for row in rows:
            normalized = {column: _normalized(row[column], kind) for column, kind in columns_kinds.items()}
            groups[tuple(normalized[column] for column in exact)].append(normalized)
        for members in groups.values():
            members.sort(key=lambda r: [(r[c] is not None, r[c] if r[c] is not None else 0) for c in approximate])
        return groups

    pg_groups, spark_groups = grouped(pg_rows), grouped(spark_rows)
    pairs, differences = [], []
    for key in sorted(pg_groups.keys() | spark_groups.keys(), key=repr):
        expected, actual = pg_groups.get(key, []), spark_groups.get(key, [])
        pairs.extend(zip(expected, actual, strict=False))
        row = dict(zip(exact, key, strict=True))
        if len(expected) > len(actual):
            differences.append(f"{len(expected) - len(actual)} row(s) only on PostgreSQL: {row}")
        elif len(actual) > len(expected):
            differences.append(f"{len(actual) - len(expected)} row(s) only on Spark: {row}")
    return pairs, differences


def compare_tables(pg_rows: Sequence[Row], spark_rows: Sequence[Row], columns_kinds: Mapping[str, str]) -> list[str]:
    """The differences between a table's rows on PostgreSQL and on Spark (empty: they agree). Rows map column names
    to values; `columns_kinds` maps each column to compare to its kind (kpi_column_kinds())."""
    differences = []
    if len(pg_rows) != len(spark_rows):
        differences.append(f"{len(pg_rows)} rows on PostgreSQL, {len(spark_rows)} on Spark")
    pairs, unpaired = _pairs(pg_rows, spark_rows, columns_kinds)
    differences.extend(unpaired)
    for expected, actual in pairs:
        for column, kind in columns_kinds.items():
            if kind not in TOLERANCES:
                continue
            pg_value, spark_value = expected[column], actual[column]
            if (pg_value is None) != (spark_value is None):
                differences.append(f"{column}: {pg_value} on PostgreSQL, {spark_value} on Spark ({expected})")
            elif pg_value is not None and relative_difference(pg_value, spark_value) > TOLERANCES[kind]:
                differences.append(
                    f"{column}: {pg_value} on PostgreSQL, {spark_value} on Spark, relative difference "
                    f"{relative_difference(pg_value, spark_value):.2e} > {TOLERANCES[kind]} ({kind})"
                )
    return differences


def max_relative_difference(
    pg_rows: Sequence[Row], spark_rows: Sequence[Row], columns_kinds: Mapping[str, str]
) -> Decimal:
    """The largest relative difference of an approximate column over the paired rows (0 without one)."""
    pairs, _ = _pairs(pg_rows, spark_rows, columns_kinds)
    return max(
        (
            relative_difference(expected[column], actual[column])
            for expected, actual in pairs
            for column, kind in columns_kinds.items()
            if kind in TOLERANCES and expected[column] is not None and actual[column] is not None
        ),
        default=Decimal(0),
    )


def pg_table(url: str, schema: str, table: str) -> list[dict]:
    """A PostgreSQL table's rows as {column: value}."""
    import psycopg
    from psycopg import sql
    from psycopg.rows import dict_row

    with psycopg.connect(url, row_factory=dict_row) as connection:
        return connection.execute(
            sql.SQL("select * from {}.{}").format(sql.Identifier(schema), sql.Identifier(table))
        ).fetchall()


def spark_table(host: str, port: int, schema: str, table: str) -> list[dict]:
    """A Spark table's rows as {column: value}, read through the Thrift server."""
    from pyhive import hive

    connection = hive.connect(host=host, port=port, username="metrics")
    try:
        cursor = connection.cursor()
        cursor.execute(f"select * from `{schema}`.`{table}`")
        columns = [description[0].split(".")[-1] for description in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    finally:
        connection.close()
