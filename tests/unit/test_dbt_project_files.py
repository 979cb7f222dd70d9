"""dbt's output is told from the project's own files by the folders directly below the project, never by the path above
it: a checkout under a folder named `target` still notices a changed model (the per-node skip compares fingerprints)."""

from __future__ import annotations

import shutil
from pathlib import Path

from metrics_warehouse.dbt.project import OUTPUT_DIRS, project_files
from metrics_warehouse.dbt.state import project_fingerprint
from metrics_warehouse.settings import DBT_PROJECT_DIR, load_settings

MODEL = Path("models", "kpi", "kpi_daily.sql")


def test_a_checkout_under_a_folder_named_target_notices_a_model_change(tmp_path: Path) -> None:
    project = tmp_path / "target" / "checkout" / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns(*OUTPUT_DIRS))
    settings = load_settings({})
    assert project / MODEL in project_files(project)
    before = project_fingerprint(settings, project)

    (project / MODEL).write_text((project / MODEL).read_text() + "\n-- changed\n")

    assert project_fingerprint(settings, project) != before


def test_dbt_output_is_not_the_project_but_a_model_folder_named_like_it_is(tmp_path: Path) -> None:
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns(*OUTPUT_DIRS))
    settings = load_settings({})
    before = project_fingerprint(settings, project)
    for folder in OUTPUT_DIRS:
        (project / folder).mkdir()
        (project / folder / "written_by_dbt.json").write_text("{}")
    assert project_fingerprint(settings, project) == before

    (project / "models" / "logs").mkdir()
    (project / "models" / "logs" / "stg_logs.sql").write_text("select 1 as x\n")
    assert project / "models" / "logs" / "stg_logs.sql" in project_files(project)
    assert project_fingerprint(settings, project) != before
