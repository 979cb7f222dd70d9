"""The dbt docs site (lineage, descriptions, owners, exposures) as one static page, built against a warehouse."""

from __future__ import annotations

import shutil
from pathlib import Path

from metrics_warehouse.dbt.command import DBT_TARGET_DIR, run_dbt
from metrics_warehouse.settings import VAR_DIR

SITE_DIR = VAR_DIR / "docs"


def build_site(url: str, out_dir: Path = SITE_DIR) -> Path:
    """`dbt docs generate --static` (the catalog comes from `url`: columns and types of the built relations), copied to
    out_dir/index.html, which opens from disk without a server."""
    run_dbt(url, "docs", "generate", "--static")
    out_dir.mkdir(parents=True, exist_ok=True)
    page = out_dir / "index.html"
    shutil.copyfile(DBT_TARGET_DIR / "static_index.html", page)
    return page
