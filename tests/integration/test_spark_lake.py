"""Ingestion into the lake (METRICS_ENGINE=spark) against a real PostgreSQL and a real Spark Thrift server: the same
loader writes the accepted rows as Parquet instead of into raw.*, with the same ledger and quarantine; Spark reads them
through the ledger, as the dbt staging does."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import asdict
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pyarrow as pa
import pyarrow.dataset as ds
import pytest

from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.dbt.manifest import EmptyRelation
from metrics_warehouse.ingest.lake import PARTITION_COLUMN, raw_folder
from metrics_warehouse.ingest.runner import ingest_source, record_landing_root
from metrics_warehouse.settings import load_settings
from metrics_warehouse.spark.connection import connect as spark_connect
from metrics_warehouse.spark.connection import table_columns
from metrics_warehouse.spark.lake_tables import create_empty_views, register_lake
from tests.integration import test_ingest
from tests.integration.test_ingest import EVENT_LINES, big_events_file, write


@pytest.fixture(scope="session")
def spark_thrift(spark_cluster) -> tuple[str, int]:
    """(host, port) of the session's Spark cluster's Thrift server."""
    return spark_cluster.host, spark_cluster.port


landing = test_ingest.landing  # the fixture: test_ingest's hand-counted dirty files, with those of tests/cases


def ingest_all(url: str, landing: Path, lake_dir: Path | None, load_id: str = "test") -> dict[str, list[dict]]:
    """Every source ingested as the DAG does, with the engine spark and this lake (None: the engine postgres)."""
    engine = {"METRICS_ENGINE": "spark", "METRICS_LAKE_DIR": str(lake_dir)} if lake_dir else {}
    settings = load_settings({"METRICS_LANDING_DIR": str(landing), **engine})
    record_landing_root(url, landing)
    return {source: [asdict(r) for r in ingest_source(url, settings, source, load_id)] for source in SOURCE_NAMES}


@pytest.fixture(scope="module")
def loaded(landing: Path, new_database, tmp_path_factory) -> Iterator[tuple[str, str, Path]]:
    """The landing zone loaded twice, into fresh warehouses: PostgreSQL's raw tables, and the lake."""
    lake_dir = tmp_path_factory.mktemp("lake")
    with new_database() as pg_url, new_database() as lake_url:
        ingest_all(pg_url, landing, None)
        ingest_all(lake_url, landing, lake_dir)
        yield pg_url, lake_url, lake_dir


def pg_rows(url: str, schema: str, table: str) -> list[tuple]:
    """A warehouse table as the lake holds it: jsonb as its text; raw rows with their file's delivery date, in file
    and line order."""
    with psycopg.connect(url) as conn:
        columns = conn.execute(
            "select column_name, data_type from information_schema.columns where table_schema = %s "
            "and table_name = %s order by ordinal_position",
            (schema, table),
        ).fetchall()
        selected = ", ".join(f"t.{c}::text" if pg_type == "jsonb" else f"t.{c}" for c, pg_type in columns)
        if schema == "raw":
            selected += ", l.delivery_date from raw.{table} as t join ops.ingest_ledger as l using (file_id)"
        else:
            selected += f" from {schema}.{table} as t"
        return conn.execute(f"select {selected.format(table=table)} order by 1, 2").fetchall()


def lake_rows(lake_dir: Path, source: str) -> list[tuple]:
    folder = raw_folder(lake_dir, source)
    if not folder.exists():
        return []
    partitioning = ds.partitioning(pa.schema([(PARTITION_COLUMN, pa.date32())]), flavor="hive")
    table = ds.dataset(folder, format="parquet", partitioning=partitioning).to_table()
    return sorted(tuple(row.values()) for row in table.to_pylist())


def table_rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query).fetchall()


LEDGER = (
    "select file_id, source, path, delivery_date, content_sha256, size_bytes, encoding, status, message, records_read, "
    "records_loaded, records_quarantined, records_skipped, schema_drift from ops.ingest_ledger order by file_id"
)
QUARANTINE = "select * from ops.quarantine order by file_id, line_number"


def test_the_lake_holds_the_rows_postgresql_would_hold(loaded: tuple[str, str, Path]) -> None:
    pg_url, lake_url, lake_dir = loaded
    for source in SOURCE_NAMES:
        expected = pg_rows(pg_url, "raw", source)
        assert lake_rows(lake_dir, source) == expected, source
        assert table_rows(lake_url, f"select count(*) from raw.{source}") == [(0,)], "nothing goes to raw.*"
    assert lake_rows(lake_dir, "events") and lake_rows(lake_dir, "feedback")


def test_the_ledger_and_the_quarantine_are_the_same_as_postgresqls(loaded: tuple[str, str, Path]) -> None:
    pg_url, lake_url, _ = loaded
    assert table_rows(lake_url, LEDGER) == table_rows(pg_url, LEDGER)
    assert table_rows(lake_url, QUARANTINE) == table_rows(pg_url, QUARANTINE)
    statuses = {status for (status,) in table_rows(lake_url, "select status from ops.ingest_ledger")}
    assert statuses == {"loaded", "rejected", "duplicate_file", "empty"}


def test_one_file_per_landing_file_with_accepted_rows_and_no_leftovers(loaded: tuple[str, str, Path]) -> None:
    _, lake_url, lake_dir = loaded
    expected = {
        f"raw/{source}/{PARTITION_COLUMN}={day}/file_{file_id}.parquet"
        for file_id, source, day in table_rows(
            lake_url, "select file_id, source, delivery_date from ops.ingest_ledger where records_loaded > 0"
        )
    }
    assert {str(path.relative_to(lake_dir)) for path in lake_dir.rglob("*") if path.is_file()} == expected


def test_a_second_run_loads_nothing_new(loaded: tuple[str, str, Path], landing: Path) -> None:
    _, lake_url, lake_dir = loaded
    before = sorted(lake_dir.rglob("*"))
    assert ingest_all(lake_url, landing, lake_dir, "second") == {source: [] for source in SOURCE_NAMES}
    assert sorted(lake_dir.rglob("*")) == before


INGEST_TO_LAKE = """
import os, signal, sys
from metrics_warehouse.ingest.lake import LakeFile
from metrics_warehouse.ingest.runner import ingest_source
from metrics_warehouse.settings import load_settings

url, landing, lake_dir, die = sys.argv[1:]
renamed = LakeFile.publish

def publish_then_die(self):
    renamed(self)
    os.kill(os.getpid(), signal.SIGKILL)  # after the rename, before the ledger's commit

if die == "die_after_rename":
    LakeFile.publish = publish_then_die
env = {"METRICS_LANDING_DIR": landing, "METRICS_ENGINE": "spark", "METRICS_LAKE_DIR": lake_dir}
ingest_source(url, load_settings({**env, "METRICS_INGEST_WORKERS": "1"}), "events", "run")
"""


def start_ingest(url: str, landing: Path, lake_dir: Path, die: str = "no") -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "plugins")}
    return subprocess.Popen([sys.executable, "-c", INGEST_TO_LAKE, url, str(landing), str(lake_dir), die], env=env)


def events_in_lake(lake_dir: Path) -> list[Path]:
    return sorted(raw_folder(lake_dir, "events").rglob("*.parquet"))


def test_a_crash_between_the_rename_and_the_commit_leaves_an_orphan_no_build_reads(
    tmp_path: Path, fresh_url: str, spark_thrift: tuple[str, int]
) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    big_events_file(landing, 20_000)
    assert start_ingest(fresh_url, landing, lake_dir, "die_after_rename").wait() == -signal.SIGKILL
    [orphan] = events_in_lake(lake_dir)
    assert table_rows(fresh_url, "select count(*) from ops.ingest_ledger") == [(0,)]
    ingest_all(fresh_url, landing, lake_dir, "rerun")
    [(file_id,)] = table_rows(fresh_url, "select file_id from ops.ingest_ledger")
    assert [path.name for path in events_in_lake(lake_dir)] == sorted([orphan.name, f"file_{file_id}.parquet"])
    prefix = f"t{uuid.uuid4().hex[:8]}_"
    host, port = spark_thrift
    register_lake(fresh_url, f"thrift://{host}:{port}", lake_dir, prefix)
    with spark_connect(f"thrift://{host}:{port}") as conn, conn.cursor() as cursor:
        try:
            cursor.execute(f"select count(*) from {prefix}raw.events")
            assert cursor.fetchall() == [(40_000,)]  # the orphan is there
            cursor.execute(
                f"select count(*), count(distinct event_id) from {prefix}raw.events "
                f"inner join {prefix}ops.ingest_ledger using (file_id)"
            )
            assert cursor.fetchall() == [(20_000, 20_000)]  # and read once, through the ledger
        finally:
            drop_databases(cursor, prefix)


def test_concurrent_runs_write_each_file_once(tmp_path: Path, fresh_url: str) -> None:
    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    for day in range(1, 7):
        lines = (f'{{"event_id":"d{day}-{i}","event_name":"login","event_time":1761957000000}}\n' for i in range(5000))
        write(landing / f"events/2026-11-0{day}/part.jsonl", "".join(lines))
    runs = [start_ingest(fresh_url, landing, lake_dir) for _ in range(3)]
    assert [run.wait() for run in runs] == [0, 0, 0]
    loaded = table_rows(fresh_url, "select file_id from ops.ingest_ledger where status = 'loaded' order by 1")
    assert len(loaded) == 6
    assert {path.name for path in events_in_lake(lake_dir)} == {f"file_{file_id}.parquet" for (file_id,) in loaded}
    assert [path for path in lake_dir.rglob(".*")] == []
    rows = lake_rows(lake_dir, "events")
    assert len(rows) == len({row[2] for row in rows}) == 30_000


def test_a_failure_after_the_rename_removes_the_file(tmp_path: Path, fresh_url: str, monkeypatch) -> None:
    from metrics_warehouse.ingest.lake import LakeFile

    landing, lake_dir = tmp_path / "landing", tmp_path / "lake"
    write(landing / "events/2026-11-01/app.jsonl", "\n".join(EVENT_LINES) + "\n")
    renamed = LakeFile.publish

    def publish_then_fail(self: LakeFile) -> None:
        renamed(self)
        assert self.path.exists()
        raise OSError("the commit did not happen")

    monkeypatch.setattr(LakeFile, "publish", publish_then_fail)
    with pytest.raises(OSError, match="the commit did not happen"):
        ingest_all(fresh_url, landing, lake_dir)
    assert table_rows(fresh_url, "select count(*) from ops.ingest_ledger") == [(0,)]
    assert [path for path in lake_dir.rglob("*") if path.is_file()] == []
    monkeypatch.undo()
    ingest_all(fresh_url, landing, lake_dir, "rerun")
    assert len(events_in_lake(lake_dir)) == 1


def drop_databases(cursor, prefix: str) -> None:
    for database in ("raw", "ops"):
        cursor.execute(f"drop database if exists {prefix}{database} cascade")  # external tables: the files stay


def test_spark_reads_the_lake_and_the_control_tables(
    loaded: tuple[str, str, Path], landing: Path, spark_thrift: tuple[str, int], tmp_path: Path
) -> None:
    """Every lake table as Spark sees it: the same rows as PostgreSQL's raw tables and control tables; a file loaded
    after the tables were registered is read after the next refresh; tables follow the lake when it moves."""
    pg_url, lake_url, lake_dir = loaded
    host, port = spark_thrift
    url, prefix = f"thrift://{host}:{port}", f"t{uuid.uuid4().hex[:8]}_"
    register_lake(lake_url, url, lake_dir, prefix)
    with spark_connect(url) as conn, conn.cursor() as cursor:
        try:
            for source in SOURCE_NAMES:
                cursor.execute(f"select * from {prefix}raw.{source} order by file_id, line_number")
                expected = pg_rows(pg_url, "raw", source)
                assert cursor.fetchall() == [tuple(map(as_spark_returns, row)) for row in expected], source
            for table in ("ingest_ledger", "quarantine"):
                cursor.execute(f"select * from {prefix}ops.{table}")
                expected = sorted(tuple(map(as_spark_returns, row)) for row in pg_rows(lake_url, "ops", table))
                assert sorted(cursor.fetchall()) == expected != [], table
            write(landing / "events/2026-11-03/late.jsonl", EVENT_LINES[0].replace('"e1"', '"late"') + "\n")
            ingest_all(lake_url, landing, lake_dir, "later")
            register_lake(lake_url, url, lake_dir, prefix)
            cursor.execute(f"select delivery_date from {prefix}raw.events where event_id = 'late'")
            assert cursor.fetchall() == [("2026-11-03",)]
            cursor.execute(f"select count(*) from {prefix}ops.ingest_ledger where path like '%late%'")
            assert cursor.fetchall() == [(1,)]
            moved = tmp_path / "moved"  # METRICS_LAKE_DIR changed: the tables follow it
            register_lake(lake_url, url, moved, prefix)
            cursor.execute(f"select count(*) from {prefix}raw.events")
            assert cursor.fetchall() == [(0,)]
        finally:
            drop_databases(cursor, prefix)


def as_spark_returns(value):
    """A PostgreSQL value as Spark's Thrift server returns it: a date as its text, a timestamptz as a naive datetime
    in the session's UTC."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat() if isinstance(value, date) else value


def test_empty_views_for_the_incremental_models_unit_tests(spark_thrift: tuple[str, int]) -> None:
    host, port = spark_thrift
    url, database = f"thrift://{host}:{port}", f"t{uuid.uuid4().hex[:8]}_marts"
    relation = EmptyRelation(database, "fct_x", "fct_x", (("user_id", "string"), ("revenue", "decimal(38,6)")))
    create_empty_views(url, [relation])
    create_empty_views(url, [relation])  # there already: kept
    with spark_connect(url) as conn, conn.cursor() as cursor:
        try:
            cursor.execute(f"select * from {database}.fct_x")
            assert cursor.fetchall() == []
            assert table_columns(cursor, f"{database}.fct_x") == list(relation.columns)
        finally:
            cursor.execute(f"drop database if exists {database} cascade")
