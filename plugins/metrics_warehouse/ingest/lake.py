"""The lake (METRICS_ENGINE=spark): Parquet files Spark reads, written from PostgreSQL tables.

Layout under the lake root: `raw/<source>/delivery_date=YYYY-MM-DD/file_<file_id>.parquet`, one file per landing file,
and `ops/<table>/snapshot.parquet`, a copy of a control table (metrics_warehouse.spark.lake_tables). A file's columns
are its PostgreSQL table's, in order, typed by LAKE_TYPES from the warehouse's catalog.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.parquet as pq
from psycopg import sql

ROW_GROUP_ROWS = 65_536
# information_schema data_type -> (Arrow type of the Parquet column, Spark SQL type of the table over it). jsonb is its
# JSON text; numeric (ops.targets' values) takes the scale of the number policy's ratios.
LAKE_TYPES: dict[str, tuple[pa.DataType, str]] = {
    "text": (pa.string(), "string"),
    "jsonb": (pa.string(), "string"),
    "bigint": (pa.int64(), "bigint"),
    "integer": (pa.int32(), "int"),
    "boolean": (pa.bool_(), "boolean"),
    "date": (pa.date32(), "date"),
    "timestamp with time zone": (pa.timestamp("us", tz="UTC"), "timestamp"),
    "double precision": (pa.float64(), "double"),
    "numeric": (pa.decimal128(38, 18), "decimal(38,18)"),
}
PARTITION_COLUMN = "delivery_date"


@dataclass(frozen=True)
class LakeColumn:
    name: str
    pg_type: str  # information_schema.columns.data_type

    @property
    def arrow_type(self) -> pa.DataType:
        return LAKE_TYPES[self.pg_type][0]

    @property
    def spark_type(self) -> str:
        return LAKE_TYPES[self.pg_type][1]

    @property
    def selected(self) -> sql.Composable:
        """The column as read for the lake: jsonb as its text."""
        column = sql.Identifier(self.name)
        return sql.SQL("{}::text").format(column) if self.pg_type == "jsonb" else column


def lake_columns(conn: psycopg.Connection, schema: str, table: str) -> list[LakeColumn]:
    """The columns of a warehouse table in order, as the lake holds them; a type the lake has no mapping for fails."""
    rows = conn.execute(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = %s and table_name = %s order by ordinal_position",
        (schema, table),
    ).fetchall()
    if not rows:
        raise LookupError(f"no table {schema}.{table} in the warehouse")
    if unknown := sorted({f"{name} {pg_type}" for name, pg_type in rows if pg_type not in LAKE_TYPES}):
        raise TypeError(f"{schema}.{table}: no lake type for {', '.join(unknown)}")
    return [LakeColumn(name, pg_type) for name, pg_type in rows]


def arrow_schema(columns: list[LakeColumn]) -> pa.Schema:
    return pa.schema([pa.field(column.name, column.arrow_type) for column in columns])


def raw_folder(lake_dir: Path, source: str) -> Path:
    return lake_dir / "raw" / source


def raw_file(lake_dir: Path, source: str, delivery_date: date, file_id: int) -> Path:
    partition = f"{PARTITION_COLUMN}={delivery_date.isoformat()}"
    return raw_folder(lake_dir, source) / partition / f"file_{file_id}.parquet"


def ops_folder(lake_dir: Path, table: str) -> Path:
    return lake_dir / "ops" / table


def hidden(path: Path) -> Path:
    """Where `path` is written before it is complete, a name of this writer's own: Spark and Hive skip names starting
    with a dot."""
    return path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.writing")


def write_parquet(conn: psycopg.Connection, relation: sql.Composable, columns: list[LakeColumn], path: Path) -> int:
    """Stream a relation's rows into a Parquet file, a row group at a time; the number of rows. Runs inside the
    caller's transaction (the server-side cursor needs one)."""
    schema = arrow_schema(columns)
    query = sql.SQL("select {} from {}").format(sql.SQL(", ").join(c.selected for c in columns), relation)
    rows_written = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        # the text format: ~5x faster here than the binary one (psycopg parsing plus pyarrow taking the values)
        conn.cursor(name="lake_export") as cursor,
        pq.ParquetWriter(path, schema, compression="zstd") as writer,
    ):
        cursor.itersize = ROW_GROUP_ROWS
        cursor.execute(query)
        while rows := cursor.fetchmany(ROW_GROUP_ROWS):
            arrays = [
                pa.array(values, type=field.type) for values, field in zip(zip(*rows, strict=True), schema, strict=True)
            ]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=ROW_GROUP_ROWS)
            rows_written += len(rows)
    return rows_written


class LakeFile:
    """One landing file's accepted rows on their way to the lake: copied into a temporary table shaped like the raw
    table (the same COPY, so the same values as PostgreSQL would hold), written to a hidden file, renamed into place
    just before the ledger commits, and removed when it does not commit.

    A crash between the rename and the commit leaves a file whose file_id has no ledger row: staging joins raw rows
    to the ledger, so it is never read, and the rerun loads the landing file again under a new file_id.
    """

    TABLE = "lake_rows"

    def __init__(self, lake_dir: Path, source: str, delivery_date: date, file_id: int) -> None:
        self.source = source
        self.path = raw_file(lake_dir, source, delivery_date, file_id)
        self._written = hidden(self.path)

    def staging_table(self, conn: psycopg.Connection, raw_table: str) -> str:
        """The table to COPY the file's rows into, in place of `raw_table` (dropped when the transaction ends)."""
        conn.execute(
            sql.SQL("create temporary table {} (like {}) on commit drop").format(
                sql.Identifier(self.TABLE), sql.Identifier(*raw_table.split("."))
            )
        )
        return f"pg_temp.{self.TABLE}"

    def write(self, conn: psycopg.Connection) -> None:
        columns = lake_columns(conn, "raw", self.source)
        write_parquet(conn, sql.Identifier("pg_temp", self.TABLE), columns, self._written)

    def publish(self) -> None:
        """The last step before the commit: the written file takes its name (nothing when no row was accepted)."""
        if self._written.exists():
            os.replace(self._written, self.path)

    def discard(self) -> None:
        self._written.unlink(missing_ok=True)
        self.path.unlink(missing_ok=True)


@contextlib.contextmanager
def lake_file(lake_dir: Path | None, source: str, delivery_date: date, file_id: int) -> Iterator[LakeFile | None]:
    """A LakeFile for the load of one landing file (None: rows go to PostgreSQL's raw tables), removed from the lake
    when the load fails, whether before the rename or in the commit after it."""
    if lake_dir is None:
        yield None
        return
    staged = LakeFile(lake_dir, source, delivery_date, file_id)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
