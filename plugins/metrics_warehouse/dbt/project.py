"""The dbt project's own files: what it defines, not what dbt writes into it or downloads.

Judged on the folders directly below the project folder, where dbt puts them (`target-path`, `log-path` and
`packages-install-path` are left at their defaults), never on the path above it: a checkout under a folder named
`target` still has files.
"""

from __future__ import annotations

import os
from pathlib import Path

from metrics_warehouse.settings import DBT_PROJECT_DIR

OUTPUT_DIRS = frozenset({"target", "logs", "dbt_packages"})


def project_files(project_dir: Path = DBT_PROJECT_DIR) -> list[Path]:
    """Every file of the project, sorted."""
    found = []
    for folder, subfolders, files in os.walk(project_dir):
        if Path(folder) == project_dir:
            subfolders[:] = [name for name in subfolders if name not in OUTPUT_DIRS]  # not walked at all
        found.extend(Path(folder, name) for name in files)
    return sorted(found)
