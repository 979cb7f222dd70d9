"""Run dbt on the project against a warehouse URL (backfill, first build of a warehouse, benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from metrics_warehouse.settings import DBT_PROJECT_DIR, VAR_DIR
from metrics_warehouse.warehouse.connection import dbt_env

DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"
DBT_TARGET_DIR = VAR_DIR / "dbt" / "target"


def run_dbt(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`dbt <args>` on dbt_project/ with the profile's variables set from `url`.

    Its artifacts go to var/dbt, not to dbt_project/target: Cosmos takes the newest partial-parse file it finds, and one
    written there for another warehouse (another run, a benchmark) would make every per-model task parse the project
    from scratch.
    """
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    artifacts = {"DBT_TARGET_PATH": str(DBT_TARGET_DIR), "DBT_LOG_PATH": str(VAR_DIR / "dbt" / "logs")}
    env = {**os.environ, **artifacts, **dbt_env(url)}
    return subprocess.run([str(DBT_EXECUTABLE), *args, *project], env=env, check=check)
