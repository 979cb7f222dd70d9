"""Run dbt on the project against a warehouse URL (backfill, first build of a warehouse, benchmarks)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from metrics_warehouse.settings import DBT_PROJECT_DIR
from metrics_warehouse.warehouse.connection import dbt_env

DBT_EXECUTABLE = Path(sys.executable).parent / "dbt"


def run_dbt(url: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """`dbt <args>` on dbt_project/ with the profile's variables set from `url`."""
    project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR)]
    return subprocess.run([str(DBT_EXECUTABLE), *args, *project], env={**os.environ, **dbt_env(url)}, check=check)
