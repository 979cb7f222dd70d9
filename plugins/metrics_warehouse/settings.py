"""Every setting, read from the environment, with its default (the README's configuration table lists them all).

Module-level paths are fixed when the process starts; `load_settings()` reads the rest at call time. The alert channels'
addresses and secrets are `${VARIABLE}`s in config/owners.yml, read when an alert is sent.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

PROJECT_ROOT = Path(__file__).resolve().parents[2]
# Folders given relative are taken from where the command starts: Airflow and dbt run in other folders.
VAR_DIR = Path(os.environ.get("METRICS_VAR_DIR") or PROJECT_ROOT / "var").absolute()
CONFIG_DIR = Path(os.environ.get("METRICS_CONFIG_DIR") or PROJECT_ROOT / "config").absolute()
EXPECTATIONS_DIR = Path(os.environ.get("METRICS_EXPECTATIONS_DIR") or PROJECT_ROOT / "expectations").absolute()
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"

# Local tooling: the server tests and benchmarks make scratch databases on (the embedded one when it does not answer).
SYSTEM_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
TEST_SERVER_URL = os.environ.get("METRICS_TEST_SERVER_URL") or SYSTEM_SERVER
BENCH_SERVER_URL = os.environ.get("METRICS_BENCH_SERVER_URL") or SYSTEM_SERVER


# METRICS_ENGINE: where the transformations run. PostgreSQL stays the control plane (ledger, quarantine, alerts) either way.
ENGINES = ("postgres", "spark")
# METRICS_SPARK_TABLE_FORMAT: the tables dbt builds on Spark. Delta and Iceberg need their jars on the cluster.
SPARK_TABLE_FORMATS = ("parquet", "delta", "iceberg")


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse_url: str | None
    reporting_tz: str
    source_tz: str
    reporting_currency: str
    min_event_date: date
    report_dir: Path
    bi_password: str | None
    # Plausibility bounds (README: Value rules): a money amount or a count beyond them is quarantined as out_of_range.
    max_amount: Decimal = Decimal("1e9")
    max_count: int = 10**12
    # Files of a source loaded at the same time, each on its own connection (a server process each).
    ingest_workers: int = os.cpu_count() or 1
    engine: str = "postgres"
    # An existing Spark Thrift server (thrift://host:port); None with engine spark: the local cluster under var/spark.
    spark_thrift_url: str | None = None
    # The lake's root: a folder, or a URI (s3a://bucket/path) kept as written.
    lake_dir: Path | str = VAR_DIR / "lake"
    spark_table_format: str = "parquet"

    @property
    def reporting_zone(self) -> ZoneInfo:
        return ZoneInfo(self.reporting_tz)

    @property
    def source_zone(self) -> ZoneInfo:
        return ZoneInfo(self.source_tz)


def _one_of(env: dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    value = (env.get(name) or choices[0]).strip().lower()
    if value not in choices:
        raise ValueError(f"{name} is {env.get(name)!r}: it must be one of {', '.join(choices)}")
    return value


def _folder_or_uri(value: str) -> Path | str:
    """A URI (with a scheme, such as s3a://) as written; a folder made absolute."""
    return value if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*://", value) else Path(value).absolute()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    reporting_tz = env.get("METRICS_REPORTING_TZ") or "Asia/Shanghai"
    return Settings(
        landing_dir=Path(env.get("METRICS_LANDING_DIR") or PROJECT_ROOT / "data" / "landing").absolute(),
        warehouse_url=env.get("METRICS_WAREHOUSE_URL") or None,
        reporting_tz=reporting_tz,
        source_tz=env.get("METRICS_SOURCE_TZ") or reporting_tz,
        reporting_currency=(env.get("METRICS_REPORTING_CURRENCY") or "CNY").upper(),
        min_event_date=date.fromisoformat(env.get("METRICS_MIN_EVENT_DATE") or "2020-01-01"),
        report_dir=Path(env.get("METRICS_REPORT_DIR") or VAR_DIR / "report").absolute(),
        bi_password=env.get("METRICS_BI_PASSWORD") or None,
        max_amount=Decimal(env.get("METRICS_MAX_AMOUNT") or Settings.max_amount),
        max_count=int(Decimal(env.get("METRICS_MAX_COUNT") or Settings.max_count)),
        ingest_workers=max(1, int(env.get("METRICS_INGEST_WORKERS") or Settings.ingest_workers)),
        engine=_one_of(env, "METRICS_ENGINE", ENGINES),
        spark_thrift_url=env.get("METRICS_SPARK_THRIFT_URL") or None,
        lake_dir=_folder_or_uri(env.get("METRICS_LAKE_DIR") or str(Settings.lake_dir)),
        spark_table_format=_one_of(env, "METRICS_SPARK_TABLE_FORMAT", SPARK_TABLE_FORMATS),
    )
