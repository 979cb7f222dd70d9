"""Whether a dbt build has anything to do: what it reads, compared with what the last successful build read.

Every input of the dbt project arrives with a row of ops.ingest_ledger (raw records are loaded with their file's row,
and raw-batch quality results are written for new files only), so the ledger's last `file_id` stands for the data,
with the files held back from the marts (staging reads only the others; a release changes them without a new row).
The project's files and the settings its models read stand for the code. A successful build records both in
ops.dbt_builds; a run whose inputs equal the last record would rebuild the same tables, and skips the build.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass

from metrics_warehouse.settings import DBT_PROJECT_DIR, Settings
from metrics_warehouse.warehouse.connection import connect

# Output and downloaded packages, not the project's definition.
_NOT_PROJECT = {"target", "logs", "dbt_packages"}


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


def project_fingerprint(settings: Settings) -> str:
    """SHA-256 of every file of the dbt project (by relative path), of the KPI targets (kpi_targets reads them from
    ops.targets) and of the settings its models read."""
    from metrics_warehouse.alerting.targets import TARGETS_PATH

    digest = hashlib.sha256()
    files = (p for p in DBT_PROJECT_DIR.rglob("*") if p.is_file() and not _NOT_PROJECT & set(p.parts))
    for path in sorted(files):
        digest.update(str(path.relative_to(DBT_PROJECT_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(TARGETS_PATH.read_bytes() if TARGETS_PATH.exists() else b"")
    for value in (settings.reporting_tz, settings.source_tz, settings.reporting_currency, settings.min_event_date):
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
