"""The Spark tables dbt reads on METRICS_ENGINE=spark: raw.<source> over the loader's lake files, ops.<table> over a
Parquet snapshot of PostgreSQL's control tables (the control plane stays in PostgreSQL; a build reads a copy).

Every column list and type comes from the warehouse's catalog (ingest.lake.lake_columns), so a column added to
warehouse/ddl.sql reaches Spark without a second copy of it here.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import yaml
from psycopg import sql

from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.dbt.manifest import EmptyRelation
from metrics_warehouse.ingest.lake import (
    PARTITION_COLUMN,
    LakeColumn,
    hidden,
    lake_columns,
    ops_folder,
    raw_folder,
    write_parquet,
)
from metrics_warehouse.settings import DBT_PROJECT_DIR
from metrics_warehouse.spark.connection import connect as spark_connect
from metrics_warehouse.spark.connection import table_columns
from metrics_warehouse.warehouse.connection import connect

log = logging.getLogger(__name__)

SNAPSHOT_FILE = "snapshot.parquet"


def ops_tables(project_dir: Path = DBT_PROJECT_DIR) -> list[str]:
    """The control tables the dbt project reads: the tables of its source `ops` (models/sources.yml)."""
    sources = yaml.safe_load((project_dir / "models" / "sources.yml").read_text(encoding="utf-8"))["sources"]
    return [table["name"] for source in sources if source["name"] == "ops" for table in source["tables"]]


def register_lake(pg_url: str, thrift_url: str, lake_dir: str | Path, database_prefix: str = "") -> None:
    """Before a Spark build: a fresh snapshot of the control tables, and every lake table registered and refreshed, in
    Spark's databases raw and ops (a test sharing a Spark server prefixes their names with its own)."""
    copied = snapshot_ops(pg_url, lake_dir)
    with connect(pg_url) as conn:
        raw = {source: lake_columns(conn, "raw", source) for source in SOURCE_NAMES}
        ops = {table: lake_columns(conn, "ops", table) for table in copied}
    raw_database, ops_database = f"{database_prefix}raw", f"{database_prefix}ops"
    partition = LakeColumn(PARTITION_COLUMN, "date")
    with spark_connect(thrift_url) as spark, spark.cursor() as cursor:
        for database in (raw_database, ops_database):
            cursor.execute(f"create database if not exists {database}")
        for source, columns in raw.items():
            table = f"{raw_database}.{source}"
            _ensure_table(cursor, table, [*columns, partition], raw_folder(lake_dir, source), partitioned=True)
            cursor.execute(f"msck repair table {table}")  # the delivery dates loaded since
            cursor.execute(f"refresh table {table}")  # the files added to a known delivery date
        for name, columns in ops.items():
            table = f"{ops_database}.{name}"
            _ensure_table(cursor, table, columns, ops_folder(lake_dir, name), partitioned=False)
            cursor.execute(f"refresh table {table}")


def snapshot_ops(pg_url: str, lake_dir: str | Path) -> list[str]:
    """Copy the control tables, as of one moment, to `<lake>/ops/<table>/snapshot.parquet`, each replacing the last
    one whole (rename); the tables copied. A table the warehouse does not have yet (ops.alert_state before the first
    alerting run) is left out, and said so."""
    copied = []
    with connect(pg_url) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            for table in ops_tables():
                if conn.execute("select to_regclass(%s)", (f"ops.{table}",)).fetchone()[0] is None:
                    log.warning("ops.%s is not in the warehouse yet: Spark has no table ops.%s", table, table)
                    continue
                path = ops_folder(lake_dir, table) / SNAPSHOT_FILE
                written = hidden(path)
                rows = write_parquet(conn, sql.Identifier("ops", table), lake_columns(conn, "ops", table), written)
                os.replace(written, path)
                log.info("ops.%s: %d rows copied to %s", table, rows, path)
                copied.append(table)
    return copied


def _ensure_table(cursor, name: str, columns: list[LakeColumn], location: Path, *, partitioned: bool) -> None:
    """Create the external Parquet table `name` over `location`, defining it again when its columns or its location
    differ (the lake's files stay)."""
    wanted = [(column.name, column.spark_type) for column in columns]
    uri = location.absolute().as_uri()
    database, table = name.split(".")
    cursor.execute(f"show tables in {database} like '{table}'")
    if cursor.fetchall():
        if table_columns(cursor, name) == wanted and _same_place(_location(cursor, name), uri):
            return
        log.info("%s: its columns or its location changed, defining it again", name)
        cursor.execute(f"drop table if exists {name}")
    location.mkdir(parents=True, exist_ok=True)
    definition = ", ".join(f"`{column}` {spark_type}" for column, spark_type in wanted)
    partitioning = f" partitioned by ({PARTITION_COLUMN})" if partitioned else ""
    cursor.execute(
        f"create table if not exists {name} ({definition}) using parquet{partitioning} location {_literal(uri)}"
    )


def _location(cursor, name: str) -> str:
    cursor.execute(f"describe table extended {name}")
    return next(value for key, value, _ in cursor.fetchall() if key == "Location")


def _same_place(one: str, other: str) -> bool:
    """Whether two URIs name the same folder (Spark writes `file:/x` for `file:///x`)."""
    return len({(parts.scheme, parts.path.rstrip("/")) for parts in (urlsplit(one), urlsplit(other))}) == 1


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def create_empty_views(thrift_url: str, relations: list[EmptyRelation]) -> None:
    """An empty view for each relation not in Spark yet, typed by its contract: the unit tests of an incremental model
    read its existing relation's columns (tasks.create_incremental_relations; its first build replaces the view)."""
    with spark_connect(thrift_url) as spark, spark.cursor() as cursor:
        for relation in relations:
            cursor.execute(f"create database if not exists {relation.schema}")
            columns = ", ".join(f"cast(null as {data_type}) as `{name}`" for name, data_type in relation.columns)
            cursor.execute(
                f"create view if not exists {relation.schema}.{relation.alias} as select {columns} where false"
            )
