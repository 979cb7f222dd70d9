"""metrics_pipeline on Apache Spark (METRICS_ENGINE=spark) against the same runs on PostgreSQL.

The real DAG under `python -m metrics_local run` in both: on Spark, ingestion writes the lake, the gates judge the
batch, dbt builds every model on the local standalone cluster (master, two workers, Thrift server; the session's
`spark_cluster`) and the kpi schema is published to the run's PostgreSQL warehouse, which the comparison reads as BI
tools do. Every kpi table must equal PostgreSQL's: counts and other exact values equal, money within 1e-6 relative,
ratios within 1e-9, NULL exactly where PostgreSQL has NULL (tests/spark_compare.py).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from metrics_local.sample import generate
from metrics_warehouse.spark.connection import connect as spark_connect
from tests.e2e import bad_inputs, killed_runs
from tests.e2e.conftest import pipeline_env, run_pipeline
from tests.spark_compare import compare_tables, kpi_column_kinds, pg_table

pytestmark = pytest.mark.e2e

# What the control plane records of each file and bad record, whichever engine builds the models.
LEDGER = """
    select path, source, status, message, records_read, records_loaded, records_quarantined, records_skipped,
        held_because
    from ops.ingest_ledger
"""
QUARANTINE = "select path, line_number, reason, message, raw_record from ops.quarantine"


# Spark's databases of the dbt project (dbt_project.yml's schemas) and of the lake tables.
PROJECT_DATABASES = ("raw", "ops", "seeds", "staging", "intermediate", "marts", "kpi")


def drop_project_databases(cluster) -> None:
    """A Spark cluster as new to the project (the runs of this module share the session's cluster)."""
    with spark_connect(cluster.thrift_url) as conn, conn.cursor() as cursor:
        for database in PROJECT_DATABASES:
            cursor.execute(f"drop database if exists {database} cascade")


def partition_files(cluster) -> dict[str, frozenset[str]]:
    """fct_events' partitions on the cluster (its warehouse folder): the files of each event_date."""
    table = cluster.state_dir / "warehouse" / "marts.db" / "fct_events"
    return {
        folder.name: frozenset(path.name for path in folder.glob("*.parquet")) for folder in table.glob("event_date=*")
    }


def spark_env(landing: Path, url: str, root: Path, cluster) -> dict[str, str]:
    return {
        **pipeline_env(landing, url, root),
        "METRICS_ENGINE": "spark",
        "METRICS_SPARK_THRIFT_URL": cluster.thrift_url,
        "METRICS_LAKE_DIR": str(root / "lake"),
    }


def run_ok(env: dict[str, str], log: Path) -> None:
    result = run_pipeline(env)
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, f"the pipeline failed: log in {log}\n{result.stdout[-3000:]}"


def kpi_differences(pg_url: str, spark_url: str) -> dict[str, list[str]]:
    """Every kpi table of the PostgreSQL run against the one the Spark run published (empty lists: equal)."""
    return {
        model: compare_tables(pg_table(pg_url, "kpi", model), pg_table(spark_url, "kpi", model), kinds)[:10]
        for model, kinds in kpi_column_kinds().items()
    }


def kpi_columns(url: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            """
            select table_name, ordinal_position, column_name, data_type, numeric_precision, numeric_scale
            from information_schema.columns where table_schema = 'kpi' order by 1, 2
            """
        ).fetchall()


def rows(url: str, query: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return sorted(conn.execute(query).fetchall(), key=repr)


def hold_back_last_delivery(landing: Path, away: Path) -> Path:
    """Move the newest delivery date's folders of every source out of the landing zone (its day arrives later)."""
    last = max(folder.name for folder in landing.glob("*/????-??-??"))
    for folder in landing.glob(f"*/{last}"):
        shutil.move(folder, away / folder.parent.name / last)
    return away


def deliver(away: Path, landing: Path) -> None:
    for folder in away.glob("*/????-??-??"):
        shutil.move(folder, landing / folder.parent.name / folder.name)


@pytest.fixture(scope="module")
def runs(spark_cluster, tmp_path_factory, new_database):
    """The e2e sample (28 days, 600 users) with the catalogue of bad inputs: on PostgreSQL, one run over every file.
    On Spark, the files without the last day in a run killed while dbt builds on the cluster, then a rerun; then the
    last day, in a run that builds incrementally."""
    root = tmp_path_factory.mktemp("spark")
    landing = root / "landing"
    generate(landing, days=28, users=600, progress=False)
    bad_inputs.write(landing)
    drop_project_databases(spark_cluster)
    with new_database(create=False) as pg_url, new_database(create=False) as spark_url:
        run_ok(pipeline_env(landing, pg_url, root / "pg"), root / "pg.log")
        away = hold_back_last_delivery(landing, root / "later")
        env = spark_env(landing, spark_url, root / "sp", spark_cluster)
        killed = killed_runs.run(env, root / "killed.log", kill_at=KILL_AT_SECONDS)
        run_ok(env, root / "rerun.log")
        before = partition_files(spark_cluster)
        deliver(away, landing)
        run_ok(env, root / "new-day.log")
        yield {
            "pg_url": pg_url,
            "spark_url": spark_url,
            "killed": killed,
            "partitions": (before, partition_files(spark_cluster)),
        }


LOOKBACK_DAYS = 3  # dbt_project.yml's var lookback_days
KILL_AT_SECONDS = 150  # into the dbt tasks on the cluster (ingestion and the gates take about a minute)


def test_both_workers_of_the_cluster_ran_tasks(runs, spark_cluster) -> None:
    tasks = spark_cluster.tasks_per_worker()
    assert len(tasks) == 2 and all(count > 0 for count in tasks.values()), tasks


def test_the_killed_run_was_killed_while_it_ran_tasks(runs) -> None:
    killed = runs["killed"]
    assert killed.returncode is None, f"the run ended before the kill ({killed.running}): kill it earlier"
    assert "(" not in killed.running, killed.running  # a task's id, not "before the DAG run (starting)" or the like


def test_the_new_day_s_run_overwrites_only_the_partitions_it_changes(runs) -> None:
    """fct_events is incremental on Spark: the new day's run writes the new dates and the lookback window's, and
    leaves the older partitions' files as they were."""
    before, after = runs["partitions"]
    new, kept = after.keys() - before.keys(), [day for day in before if after.get(day) == before[day]]
    assert new and len(kept) >= len(before) - 2 * LOOKBACK_DAYS, (sorted(new), sorted(before.keys() - set(kept)))


def test_every_kpi_table_equals_postgresql_s(runs) -> None:
    """After a killed run, its rerun and an incremental run of a new day: what one PostgreSQL run of every file gives."""
    differences = kpi_differences(runs["pg_url"], runs["spark_url"])
    assert {model: diff for model, diff in differences.items() if diff} == {}


def test_the_published_kpi_schema_has_postgresql_s_tables_columns_and_types(runs) -> None:
    assert kpi_columns(runs["spark_url"]) == kpi_columns(runs["pg_url"])


def test_bad_inputs_are_recorded_as_on_postgresql(runs) -> None:
    for query in (LEDGER, QUARANTINE, "select path, reason from ops.landing_skipped"):
        assert rows(runs["spark_url"], query) == rows(runs["pg_url"], query)
