"""Pure parts of METRICS_ENGINE=spark: Thrift URLs, the lake's layout, the type vocabulary read back for publishing."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pytest

from metrics_warehouse.ingest.lake import hidden, lake_file, ops_folder
from metrics_warehouse.spark.connection import airflow_connection, thrift_address, thrift_url
from metrics_warehouse.spark.lake_tables import ops_tables
from metrics_warehouse.spark.publish import postgres_types


def test_thrift_urls() -> None:
    assert thrift_address("thrift://127.0.0.1:10041") == ("127.0.0.1", 10041, "metrics")
    assert thrift_address("thrift://etl@spark.example.com") == ("spark.example.com", 10000, "etl")
    assert thrift_address(thrift_url("spark.example.com", None)) == ("spark.example.com", 10000, "metrics")
    assert thrift_address(thrift_url("spark.example.com", 10001, "etl")) == ("spark.example.com", 10001, "etl")
    connection = json.loads(airflow_connection("thrift://etl@spark.example.com:10001"))
    assert connection == {"conn_type": "spark", "host": "spark.example.com", "port": 10001, "login": "etl"}
    for bad in ("127.0.0.1:10000", "http://host:10000", "thrift://"):
        with pytest.raises(ValueError, match="thrift://host:port"):
            thrift_address(bad)


def test_lake_layout() -> None:
    path = lake_file("/lake", "events", date(2026, 11, 1), 42)
    assert path == Path("/lake/raw/events/delivery_date=2026-11-01/file_42.parquet")
    assert re.fullmatch(r"\.file_42\.parquet\.[0-9a-f]{12}\.writing", hidden(path).name)
    assert hidden(path).parent == path.parent and hidden(path) != hidden(path)
    assert ops_folder(Path("/lake"), "ingest_ledger") == Path("/lake/ops/ingest_ledger")
    with pytest.raises(ValueError, match="not to s3a://bucket/lake"):
        lake_file("s3a://bucket/lake", "events", date(2026, 11, 1), 42)


def test_spark_types_read_back_as_the_postgresql_build_types_them() -> None:
    assert postgres_types() == {
        "string": "text",
        "bigint": "bigint",
        "int": "integer",
        "date": "date",
        "timestamp": "timestamptz",
        "boolean": "boolean",
        "double": "double precision",
        "decimal(38,6)": "numeric",
        "decimal(38,18)": "numeric",
    }


def test_a_spark_type_of_two_postgresql_types_is_refused(tmp_path: Path) -> None:
    (tmp_path / "dbt_project.yml").write_text(
        "vars:\n  sql_types:\n    postgres: {money: numeric, double: double precision}\n"
        "    spark: {money: double, double: double}\n"
    )
    with pytest.raises(ValueError, match="spark double is both"):
        postgres_types(tmp_path)


def test_the_control_tables_copied_to_the_lake_are_the_dbt_source_ops() -> None:
    assert ops_tables() == ["ingest_ledger", "quarantine", "file_releases", "quality_results", "targets", "alert_state"]
