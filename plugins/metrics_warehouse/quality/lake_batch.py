"""The raw batch of a lake (METRICS_ENGINE=spark) for the raw gate: the batch files' lake files staged into a
PostgreSQL work table shaped like raw.<source>. The raw suites read it with the same SQL as raw.<source> on
PostgreSQL, so both engines give the same verdicts. A batch is the files of a source without a verdict: one run's
new files, small beside the lake."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import psycopg
from psycopg import sql

from metrics_warehouse.ingest.lake import lake_columns, lake_file
from metrics_warehouse.quality.work_tables import SCHEMA, filled_table


@contextlib.contextmanager
def staged_batch(url: str, lake_dir: str | Path, source: str, files: list[tuple[int, date]]) -> Iterator[str]:
    """The rows of the lake files of `files` (file_id, delivery_date) in a work table (`schema.table`, dropped on
    exit). A loaded file whose lake file is missing has no rows here: the suite's ledger check then fails for it."""

    def fill(conn: psycopg.Connection, table: sql.Identifier) -> None:
        import pyarrow.parquet as pq

        conn.execute(sql.SQL("create unlogged table {} (like {})").format(table, sql.Identifier("raw", source)))
        columns = [column.name for column in lake_columns(conn, "raw", source)]
        copy_rows = sql.SQL("copy {} ({}) from stdin").format(table, sql.SQL(", ").join(map(sql.Identifier, columns)))
        with conn.cursor() as cursor, cursor.copy(copy_rows) as copy:
            for file_id, delivery_date in files:
                path = lake_file(lake_dir, source, delivery_date, file_id)
                if not path.exists():
                    continue
                for batch in pq.ParquetFile(path).iter_batches(columns=columns):
                    for row in zip(*(column.to_pylist() for column in batch.columns), strict=True):
                        copy.write_row(row)

    with filled_table(url, f"lake_{source}", fill) as name:
        yield f"{SCHEMA}.{name}"
