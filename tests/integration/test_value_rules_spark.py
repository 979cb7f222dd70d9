"""The value rules' table of cases (tests/cases/values.yml) on Spark: the Spark SQL expressions of the dbt macros
parse_timestamp / parse_date / parse_number / parse_integer (macros/engine/values.sql) read what Python reads, and
NULL where ingestion quarantines, on a real Thrift server with dbt-spark's session settings (ANSI off)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from test_value_rules import CASES, ZONE, _canonical

from metrics_warehouse.settings import DBT_PROJECT_DIR, PROJECT_ROOT

DBT = str(PROJECT_ROOT / ".venv" / "bin" / "dbt")
EXPRESSIONS = {
    "timestamp": f"{{{{ parse_timestamp('v', '{ZONE}') }}}}",
    "date": "{{ parse_date('v') }}",
    "amount": "{{ parse_number('v') }}",
    "count": "{{ parse_integer('v', 'bigint') }}",
    "score": "{{ parse_integer('v') }}",
}


@pytest.fixture(scope="module")
def spark_thrift(spark_cluster) -> tuple[str, int]:
    return spark_cluster.host, spark_cluster.port


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _compiled(host: str, port: int) -> str:
    rows = ", ".join(f"({i}, {_literal(text)})" for i, (_, text, _) in enumerate(CASES))
    columns = ", ".join(f"{expression} as {rule}" for rule, expression in EXPRESSIONS.items())
    inline = f"select i, {columns} from (values {rows}) as cases (i, v)"
    env = {**os.environ, "METRICS_SPARK_HOST": host, "METRICS_SPARK_PORT": str(port)}
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    command = [DBT, "--quiet", "compile", "--target", "spark", *project, "--inline", inline]
    return subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout


def _spark_value(rule: str, value: object) -> object:
    if value is None:
        return None
    if rule == "timestamp":
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(value)
        return moment.replace(tzinfo=UTC)  # the session time zone is UTC
    if rule == "date":
        return value if isinstance(value, date) else date.fromisoformat(value)
    return Decimal(str(value))


def test_spark_reads_what_python_reads_and_never_fails(spark_thrift: tuple[str, int]) -> None:
    from pyhive import hive

    host, port = spark_thrift
    cursor = hive.connect(host=host, port=port, username="test").cursor()
    cursor.execute("set spark.sql.ansi.enabled=false")  # as dbt-spark's sessions run
    cursor.execute(_compiled(host, port))
    results = {row[0]: dict(zip(EXPRESSIONS, row[1:], strict=True)) for row in cursor.fetchall()}
    mismatches = []
    for i, (rule, text, expected) in enumerate(CASES):
        got = _canonical(_spark_value(rule, results[i][rule]))
        if expected is None or not expected.startswith("!"):
            want = Decimal(expected) if rule in ("amount", "count", "score") and expected else expected
            if got != want:
                mismatches.append((rule, text, expected, got))
        elif expected != "!out_of_range" and got is not None:
            mismatches.append((rule, text, expected, got))
    assert mismatches == []
