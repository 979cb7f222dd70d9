"""The dbt manifest the DAG renders from: `dbt parse` once, again only after a file of the dbt project changed.

Cosmos reads the manifest instead of running `dbt ls` at every parse of the DAG file (the scheduler's DAG processor and
every task parse it). `dbt parse` needs no database: the profile's variables all have defaults.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from functools import cache
from pathlib import Path
from typing import NamedTuple

from metrics_warehouse.dbt.command import DBT_EXECUTABLE
from metrics_warehouse.dbt.project import project_files
from metrics_warehouse.settings import DBT_PROJECT_DIR, load_settings

# dbt's own runs write target/manifest.json; these are written only here, whole (rename), so a reader never sees half.
MANIFESTS_DIR = DBT_PROJECT_DIR / "target" / "dag"


def dbt_target(engine: str | None = None) -> str:
    """The output of profiles.yml the engine's builds use (METRICS_ENGINE when not given)."""
    return "spark" if (engine or load_settings().engine) == "spark" else "warehouse"


def _newest_source_change() -> float:
    return max(path.stat().st_mtime for path in project_files())


def ensure_manifest(target: str | None = None) -> Path:
    """Path of a manifest of the project as it is now for a dbt target (the engine's: contracts' types and
    incremental strategies differ), running `dbt parse` only when it is missing or older."""
    target = target or dbt_target()
    path = MANIFESTS_DIR / target / "manifest.json"
    if path.exists() and path.stat().st_mtime >= _newest_source_change():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        project = ["--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR), "--target", target]
        subprocess.run(
            [str(DBT_EXECUTABLE), "--quiet", "parse", *project, "--target-path", scratch, "--log-path", scratch],
            check=True,
        )
        os.replace(Path(scratch) / "manifest.json", path)
    return path


def read_manifest(path: Path) -> dict:
    """The manifest at `path`, parsed once per version of the file (every dbt task of a run reads it)."""
    return _parsed(path, path.stat().st_mtime_ns)


@cache
def _parsed(path: Path, mtime_ns: int) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


class EmptyRelation(NamedTuple):
    """An incremental model's relation as its contract describes it: its columns' names and data types, in order."""

    schema: str
    alias: str
    model: str
    columns: tuple[tuple[str, str], ...]


def incremental_unit_tested(manifest_path: Path) -> list[EmptyRelation]:
    """Each incremental model a unit test runs as incremental: that test reads the columns of the model's existing
    relation, so one must exist before the model's first build."""
    manifest = read_manifest(manifest_path)
    tested = {
        test["model"]
        for test in manifest["unit_tests"].values()
        if ((test.get("overrides") or {}).get("macros") or {}).get("is_incremental")
    }
    return sorted(
        EmptyRelation(
            node["schema"],
            node["alias"],
            node["name"],
            tuple((column["name"], column["data_type"]) for column in node["columns"].values()),
        )
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and node["name"] in tested
        and node["config"]["materialized"] == "incremental"
    )
