"""Publish the kpi tables Spark built to PostgreSQL's kpi schema, where Superset, the report, the alerts and the BI
role read them as they read the PostgreSQL build's.

One transaction per publish: each table is loaded under a name of its own (`<table>__publishing`, invisible to others
until the commit), then every old table is dropped and every new one takes its name, so a reader sees the whole last
publish or the whole new one, never a mix. The new tables are created as dbt creates them, so they get the same
default privileges (warehouse.bi_access). Column types: the Spark type's kind in dbt_project.yml's `vars.sql_types`,
read back into its PostgreSQL type (the types the PostgreSQL build's contracts give).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import psycopg
import yaml
from psycopg import sql

from metrics_warehouse.dbt.kpi_meta import KPI_SCHEMA
from metrics_warehouse.dbt.manifest import ensure_manifest, read_manifest
from metrics_warehouse.settings import DBT_PROJECT_DIR
from metrics_warehouse.spark.connection import connect as spark_connect
from metrics_warehouse.spark.connection import table_columns
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)

BATCH_ROWS = 10_000
_STAGED = "{}__publishing"
SERVED_TAG = "served"  # a mart the serving side reads besides the kpi schema (the reporting window)


@dataclass(frozen=True)
class KpiTable:
    """A table served from the warehouse: a kpi model, or a mart the report and the alerts read (tag `served`)."""

    name: str
    primary_key: tuple[str, ...] = ()
    # The contract's column order, which PostgreSQL's build has (Spark puts partition columns last); empty: Spark's.
    columns: tuple[str, ...] = ()
    schema: str = KPI_SCHEMA

    @property
    def relation(self) -> str:
        return f"{self.schema}.{self.name}"


def kpi_tables(manifest_path: Path) -> list[KpiTable]:
    """The kpi models of a dbt manifest: their relation names and primary keys (their contracts' constraints)."""
    tables = []
    for node in read_manifest(manifest_path)["nodes"].values():
        schema = node["config"].get("schema")
        if node["resource_type"] != "model" or (schema != KPI_SCHEMA and SERVED_TAG not in node["config"]["tags"]):
            continue
        keys = [c["columns"] for c in node["constraints"] if c["type"] == "primary_key"]
        keys += [[column["name"]] for column in node["columns"].values() for c in column.get("constraints") or []
                 if c["type"] == "primary_key"]  # fmt: skip
        tables.append(KpiTable(node["alias"], tuple(keys[0]) if keys else (), tuple(node["columns"]), schema))
    return sorted(tables, key=lambda table: table.relation)


@cache
def postgres_types(project_dir: Path = DBT_PROJECT_DIR) -> dict[str, str]:
    """Spark type -> PostgreSQL type, each kind of dbt_project.yml's vars.sql_types (the one home of both)."""
    vocabulary = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]["sql_types"]
    types: dict[str, str] = {}
    for kind, spark_type in vocabulary["spark"].items():
        postgres_type = vocabulary["postgres"][kind]
        if types.setdefault(spark_type, postgres_type) != postgres_type:
            raise ValueError(f"sql_types: spark {spark_type} is both {types[spark_type]} and {postgres_type}")
    return types


def publish_kpi_schema(thrift_url: str, pg_url: str, tables: Sequence[KpiTable] | None = None) -> dict[str, int]:
    """Copy each of `tables` (the kpi models of the project's manifest) from Spark's kpi database to PostgreSQL's kpi
    schema, replacing what is there, in one transaction; the rows published per table."""
    tables = kpi_tables(ensure_manifest()) if tables is None else tables
    published: dict[str, int] = {}
    with (
        spark_connect(thrift_url) as spark,
        spark.cursor() as source,
        connect(pg_url, autocommit=True) as conn,
        conn.transaction(),
    ):
        conn.execute("select pg_advisory_xact_lock(hashtext('metrics_warehouse.publish_kpi'))")
        conn.execute("set local timezone = 'UTC'")  # Spark's session time zone: its timestamps arrive as UTC
        for schema in sorted({table.schema for table in tables}):
            conn.execute(sql.SQL("create schema if not exists {}").format(sql.Identifier(schema)))
        for table in tables:
            published[table.relation] = _load(source, conn, table)
        for table in tables:
            _swap(conn, table)
    log.info("published %d kpi tables (%d rows)", len(published), sum(published.values()))
    return published


def _load(source, conn: psycopg.Connection, table: KpiTable) -> int:
    """Spark's kpi.<table> into a new PostgreSQL table under its staging name, in batches; its row count."""
    columns = table_columns(source, table.relation)
    if table.columns:
        order = {name: position for position, name in enumerate(table.columns)}
        columns.sort(key=lambda column: order.get(column[0], len(order)))
    staged = sql.Identifier(table.schema, _STAGED.format(table.name))
    query = f"select {', '.join(f'`{name}`' for name, _ in columns)} from {table.relation}"
    rows = copy_rows(source, query, columns, conn, staged, unlogged=False)
    if table.primary_key:
        keys = sql.SQL(", ").join(map(sql.Identifier, table.primary_key))
        conn.execute(sql.SQL("alter table {} add primary key ({})").format(staged, keys))
    return rows


def query_columns(source, query: str) -> list[tuple[str, str]]:
    """The (name, Spark type) of a query's columns, in order."""
    source.execute(f"describe query {query}")
    return [(name, data_type) for name, data_type, _ in source.fetchall()]


def copy_rows(
    source, query: str, columns: list[tuple[str, str]], conn: psycopg.Connection, table: sql.Identifier, *, unlogged
) -> int:
    """Create `table` in PostgreSQL with the PostgreSQL types of the query's (name, Spark type) columns and copy the
    rows Spark's query returns into it, in batches; the rows copied."""
    types = postgres_types()
    if unknown := [f"{name} {spark_type}" for name, spark_type in columns if spark_type not in types]:
        raise TypeError(f"{query}: no PostgreSQL type for {', '.join(unknown)} (dbt_project.yml sql_types)")
    definition = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(name), sql.SQL(types[spark_type])) for name, spark_type in columns
    )
    create = "create unlogged table {} ({})" if unlogged else "create table {} ({})"
    conn.execute(sql.SQL(create).format(table, definition))
    source.execute(query)
    rows = 0
    with conn.cursor() as cursor, cursor.copy(sql.SQL("copy {} from stdin").format(table)) as copy:
        while batch := source.fetchmany(BATCH_ROWS):
            for row in batch:
                copy.write_row(row)
            rows += len(batch)
    return rows


def _swap(conn: psycopg.Connection, table: KpiTable) -> None:
    """The new table takes the old one's name (and its key index the name `<table>_pkey`)."""
    staged = _STAGED.format(table.name)
    conn.execute(sql.SQL("drop table if exists {}").format(sql.Identifier(table.schema, table.name)))
    conn.execute(
        sql.SQL("alter table {} rename to {}").format(sql.Identifier(table.schema, staged), sql.Identifier(table.name))
    )
    if table.primary_key:
        conn.execute(
            sql.SQL("alter index {} rename to {}").format(
                sql.Identifier(table.schema, f"{staged}_pkey"), sql.Identifier(f"{table.name}_pkey")
            )
        )
