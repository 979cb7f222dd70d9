"""Publishing Spark's kpi tables to PostgreSQL's kpi schema, against a real Spark Thrift server and a real PostgreSQL:
the PostgreSQL types of the contracts, every value as Spark holds it, the BI role's access, one transaction per run."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal

import psycopg
import pytest

from metrics_warehouse.dbt.manifest import ensure_manifest
from metrics_warehouse.settings import DBT_PROJECT_DIR
from metrics_warehouse.spark.connection import connect as spark_connect
from metrics_warehouse.spark.publish import KpiTable, kpi_tables, publish_kpi_schema
from metrics_warehouse.warehouse.bi_access import BI_ROLE, grant_bi_access
from metrics_warehouse.warehouse.connection import prepare
from tests.integration.test_spark_lake import spark_thrift  # noqa: F401 (the fixture)

# One column of each kind of dbt_project.yml's sql_types: (name, Spark type, the PostgreSQL type published)
COLUMNS = [
    ("id", "bigint", "bigint"),
    ("label", "string", "text"),
    ("day", "date", "date"),
    ("at", "timestamp", "timestamp with time zone"),
    ("users", "int", "integer"),
    ("active", "boolean", "boolean"),
    ("score", "double", "double precision"),
    ("revenue", "decimal(38,6)", "numeric"),
    ("share", "decimal(38,18)", "numeric"),
]
FIRST = [
    "(1, 'plain', date'2026-11-01', timestamp'2026-11-01 16:00:00', 7, true, 0.1, 12345.678901, 0.333333333333333333)",
    "(2, 'tab\\there, new\\nline, back\\\\slash, 中文', date'2026-11-02', timestamp'2026-11-02 00:00:00.000001', "
    "null, false, 1e-300, -0.000001, 1.000000000000000000)",
    "(3, '', null, null, null, null, null, null, null)",
]
FIRST_ROWS = [
    (1, "plain", date(2026, 11, 1), datetime(2026, 11, 1, 16, tzinfo=UTC), 7, True, 0.1, Decimal("12345.678901"),
     Decimal("0.333333333333333333")),
    (2, "tab\there, new\nline, back\\slash, 中文", date(2026, 11, 2), datetime(2026, 11, 2, 0, 0, 0, 1, tzinfo=UTC),
     None, False, 1e-300, Decimal("-0.000001"), Decimal("1.000000000000000000")),
    (3, "", None, None, None, None, None, None, None),
]  # fmt: skip


@pytest.fixture(scope="module")
def spark_url(spark_thrift: tuple[str, int]) -> str:  # noqa: F811
    host, port = spark_thrift
    return f"thrift://{host}:{port}"


@pytest.fixture()
def kpi_table(spark_url: str) -> Iterator[tuple[KpiTable, KpiTable]]:
    """Two tables in Spark's kpi database, named for this test (the database is the one dbt builds)."""
    tag = uuid.uuid4().hex[:8]
    names = [f"test_publish_{tag}_{n}" for n in (1, 2)]
    definition = ", ".join(f"`{name}` {spark_type}" for name, spark_type, _ in COLUMNS)
    with spark_connect(spark_url) as conn, conn.cursor() as cursor:
        cursor.execute("create database if not exists kpi")
        for name in names:
            cursor.execute(f"create table kpi.{name} ({definition}) using parquet")
            cursor.execute(f"insert into kpi.{name} values {', '.join(FIRST)}")
        yield KpiTable(names[0], ("id",)), KpiTable(names[1], ("id", "label"))
        for name in names:
            cursor.execute(f"drop table if exists kpi.{name}")


@pytest.fixture()
def warehouse(fresh_url: str) -> str:
    prepare(fresh_url)
    grant_bi_access(fresh_url)
    return fresh_url


def rows(url: str, table: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(f"select * from kpi.{table} order by id").fetchall()


def test_published_tables_have_the_contracts_postgresql_types_and_sparks_values(
    spark_url: str, warehouse: str, kpi_table: tuple[KpiTable, KpiTable]
) -> None:
    one, two = kpi_table
    assert publish_kpi_schema(spark_url, warehouse, kpi_table) == {one.relation: 3, two.relation: 3}
    with psycopg.connect(warehouse) as conn:
        types = conn.execute(
            "select column_name, data_type from information_schema.columns where table_schema = 'kpi' "
            "and table_name = %s order by ordinal_position",
            (one.name,),
        ).fetchall()
        keys = conn.execute(
            "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) from pg_constraint "
            "where connamespace = 'kpi'::regnamespace order by 1"
        ).fetchall()
        tables = conn.execute("select tablename from pg_tables where schemaname = 'kpi' order by 1").fetchall()
    assert types == [(name, pg_type) for name, _, pg_type in COLUMNS]
    assert rows(warehouse, one.name) == FIRST_ROWS
    assert keys == [
        (f"kpi.{one.name}", f"{one.name}_pkey", "PRIMARY KEY (id)"),
        (f"kpi.{two.name}", f"{two.name}_pkey", "PRIMARY KEY (id, label)"),
    ]
    assert tables == [(one.name,), (two.name,)]
    bi = psycopg.conninfo.make_conninfo(warehouse, user=BI_ROLE)
    with psycopg.connect(bi) as conn:
        assert conn.execute(f"select count(*) from kpi.{two.name}").fetchone() == (3,)


def test_a_second_publish_replaces_every_table_and_a_failed_one_replaces_none(
    spark_url: str, warehouse: str, kpi_table: tuple[KpiTable, KpiTable]
) -> None:
    one, two = kpi_table
    publish_kpi_schema(spark_url, warehouse, kpi_table)
    with spark_connect(spark_url) as conn, conn.cursor() as cursor:
        cursor.execute(f"insert overwrite kpi.{one.name} select id + 10, label, day, at, users, active, score, "
                       f"revenue, share from kpi.{two.name}")  # fmt: skip
    missing = KpiTable(f"{one.name}_missing")
    with pytest.raises(Exception, match=missing.name):
        publish_kpi_schema(spark_url, warehouse, [one, missing])
    assert [row[0] for row in rows(warehouse, one.name)] == [1, 2, 3]  # the failed run replaced nothing
    assert publish_kpi_schema(spark_url, warehouse, [one, two]) == {one.relation: 3, two.relation: 3}
    assert [row[0] for row in rows(warehouse, one.name)] == [11, 12, 13]
    assert rows(warehouse, two.name) == FIRST_ROWS
    with psycopg.connect(warehouse) as conn:
        left = conn.execute("select count(*) from pg_class where relname like '%%publishing%%'").fetchone()
    assert left == (0,)


def test_the_kpi_tables_are_the_kpi_models_of_the_manifest_with_their_primary_keys() -> None:
    tables = kpi_tables(ensure_manifest("warehouse"))  # either target's: the same models and keys
    models = sorted(path.stem for path in (DBT_PROJECT_DIR / "models" / "kpi").glob("*.sql"))
    assert [table.name for table in tables if table.schema == "kpi"] == models
    assert [table.relation for table in tables if table.schema != "kpi"] == ["marts.dim_reporting_window"]
    assert all(table.primary_key for table in tables if table.schema == "kpi")
    daily = next(table for table in tables if table.name == "kpi_daily")
    assert daily.primary_key == ("date",) and daily.columns[:2] == ("date", "dau")
