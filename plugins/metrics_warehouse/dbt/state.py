"""Whether a dbt build has anything to do: what it reads, compared with what the last successful build read.

Every input of the dbt project arrives with a row of ops.ingest_ledger (raw records are loaded with their file's row,
and raw-batch quality results are written for new files only), so the ledger's last `file_id` stands for the data,
with the files held back from the marts (staging reads only the others; a release changes them without a new row).
The project's files and the settings its models read stand for the code. A successful build records both in
ops.dbt_builds; a run whose inputs equal the last record would rebuild the same tables, and skips the build.

The same comparison, per node, lets a build skip the models and seeds none of whose inputs changed: a node reads the
landing sources of the `raw` sources above it (ledger rows and releases belong to one source's files), so a run that
brings only events skips what reads only feedback, surveys, spend or fx rates, and seeds, when the project is the same.
Models are pure functions of their inputs (no current date anywhere), so a skipped node holds what a rebuild would give.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass
from pathlib import Path

from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.dbt.manifest import read_manifest
from metrics_warehouse.dbt.project import project_files
from metrics_warehouse.settings import DBT_PROJECT_DIR, Settings
from metrics_warehouse.targets import TARGETS_PATH
from metrics_warehouse.warehouse.connection import connect

# dbt sources whose rows each belong to one landing source's files; ops.targets comes from a file the project
# fingerprint covers; any other source (ops.quality_results: the gates write it in every run) makes a node due always.
_PER_LANDING_SOURCE = {"ops.ingest_ledger", "ops.file_releases"}
_IN_PROJECT_FINGERPRINT = {"ops.targets"}


@dataclass(frozen=True)
class BuildInputs:
    ledger_file_id: int
    held_file_ids: tuple[int, ...]
    project_sha256: str

    def __post_init__(self) -> None:
        # XCom and the database hand the ids back as a list
        object.__setattr__(self, "held_file_ids", tuple(sorted(self.held_file_ids)))

    def as_dict(self) -> dict:
        return asdict(self) | {"held_file_ids": list(self.held_file_ids)}


def project_fingerprint(settings: Settings, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """SHA-256 of every file of the dbt project (by relative path), of the KPI targets (kpi_targets reads them from
    ops.targets), of the settings its models read and of the engine that builds them."""
    digest = hashlib.sha256()
    for path in project_files(project_dir):
        digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(TARGETS_PATH.read_bytes() if TARGETS_PATH.exists() else b"")
    for value in (
        settings.reporting_tz,
        settings.source_tz,
        settings.reporting_currency,
        settings.min_event_date,
        settings.engine,
    ):
        digest.update(f"{value}\0".encode())
    return digest.hexdigest()


def current_inputs(url: str, settings: Settings) -> BuildInputs:
    with connect(url) as conn:
        file_id, held = conn.execute(
            """
            select coalesce(max(file_id), 0), coalesce(array_agg(file_id) filter (where held_because is not null), '{}')
            from ops.ingest_ledger
            """
        ).fetchone()
    return BuildInputs(ledger_file_id=file_id, held_file_ids=held, project_sha256=project_fingerprint(settings))


def last_build(url: str) -> BuildInputs | None:
    with connect(url) as conn:
        row = conn.execute(
            """
            select ledger_file_id, held_file_ids, project_sha256 from ops.dbt_builds
            order by built_at desc, build_id desc limit 1
            """
        ).fetchone()
    return BuildInputs(*row) if row else None


def record_build(url: str, inputs: BuildInputs, run_id: str) -> None:
    with connect(url) as conn:
        conn.execute(
            """
            insert into ops.dbt_builds (run_id, built_at, ledger_file_id, held_file_ids, project_sha256)
            values (%s, now(), %s, %s, %s)
            """,
            (run_id, inputs.ledger_file_id, list(inputs.held_file_ids), inputs.project_sha256),
        )


def landing_sources_read(manifest_path: Path, unique_id: str) -> frozenset[str] | None:
    """The landing sources whose files can change the node `unique_id` (a model or seed); None when it can change in
    any run."""
    parents = read_manifest(manifest_path)["parent_map"]
    ancestors, stack = set(), [unique_id]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in ancestors:
                ancestors.add(parent)
                stack.append(parent)
    sources = {uid.split(".", 2)[2] for uid in ancestors if uid.startswith("source.")}
    if sources - _PER_LANDING_SOURCE - _IN_PROJECT_FINGERPRINT - {f"raw.{name}" for name in SOURCE_NAMES}:
        return None
    raw = {name.removeprefix("raw.") for name in sources if name.startswith("raw.")}
    return frozenset(raw or (SOURCE_NAMES if sources & _PER_LANDING_SOURCE else ()))


def sources_changed(url: str, last: BuildInputs, now: BuildInputs) -> set[str]:
    """The landing sources with files loaded, held or released since the build `last`."""
    held_changed = sorted(set(last.held_file_ids) ^ set(now.held_file_ids))
    with connect(url) as conn:
        rows = conn.execute(
            "select distinct source from ops.ingest_ledger where file_id > %s or file_id = any(%s)",
            (last.ledger_file_id, held_changed),
        ).fetchall()
    return {source for (source,) in rows}


def why_unchanged(url: str, settings: Settings, manifest_path: Path, unique_id: str) -> str | None:
    """Why building the node `unique_id` now would give what the last successful build left, or None when it may
    not."""
    last = last_build(url)
    if last is None:
        return None
    now = current_inputs(url, settings)
    if now.project_sha256 != last.project_sha256:
        return None
    reads = landing_sources_read(manifest_path, unique_id)
    if reads is None or reads & sources_changed(url, last, now):
        return None
    return f"{unique_id.rsplit('.', 1)[-1]} reads {', '.join(sorted(reads)) or 'no landing source'}: nothing new since the last build"
