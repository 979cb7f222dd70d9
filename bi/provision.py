"""Provision Superset from the files in bi/assets, or export it back to them. Runs in Superset's environment (.venv-bi).

    python bi/provision.py import   # migrate Superset's metadata; roles, the admin user, the warehouse connection,
                                    # datasets, charts, dashboards
    python bi/provision.py export   # write every dashboard (with its charts, datasets, connection) back to bi/assets

Read from the environment: METRICS_BI_DATABASE_URI (the warehouse as the read-only BI role, password included),
METRICS_BI_ADMIN_USER / METRICS_BI_ADMIN_PASSWORD, and Superset's own SUPERSET_CONFIG_PATH / SUPERSET_HOME.
The files are Superset's import/export format ("assets" bundle): edit a dashboard in the UI, then export.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import yaml

ASSETS = Path(__file__).resolve().parent / "assets"
# The column labels of the kpi tables live in one place, the KPI dictionary's source (config.meta label_zh / label_en):
# they are set at import and left out of the files at export, so the dashboards never carry a second copy.
KPI_MODELS = Path(__file__).resolve().parents[1] / "dbt_project" / "models" / "kpi"
# The database file's URI is replaced at import by METRICS_BI_DATABASE_URI; this one documents its shape.
URI_IN_FILES = "postgresql+psycopg2://metrics_bi@127.0.0.1:5432/metrics"


def dictionary_labels() -> dict[tuple[str, str], str]:
    """'中文名 English name' of every kpi column, by (table, column), from the kpi models' YAML (one file a model)."""
    labels = {}
    models = (yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(KPI_MODELS.glob("*.yml")))
    for model in (model for document in models for model in document.get("models") or ()):
        for column in model.get("columns", []):
            meta = (column.get("config") or {}).get("meta") or {}
            if meta.get("label_zh") and meta.get("label_en"):
                labels[(model["name"], column["name"])] = f"{meta['label_zh']} {meta['label_en']}"
    return labels


def _with_labels(dataset: dict, labels: dict[tuple[str, str], str], keep: bool) -> dict:
    """The dataset with its kpi columns labelled from the dictionary (keep=True) or unlabelled (for the files)."""
    if dataset.get("schema") == "kpi":
        for column in dataset.get("columns", []):
            label = labels.get((dataset["table_name"], column["column_name"]))
            if label:
                column["verbose_name"] = label if keep else None
    return dataset


def _bundle(database_uri: str) -> dict[str, str]:
    """The asset files as Superset's importer wants them (path -> YAML text), the database pointed at the warehouse."""
    contents, labels = {}, dictionary_labels()
    for path in sorted(ASSETS.rglob("*.yaml")):
        name = path.relative_to(ASSETS).as_posix()
        text = path.read_text(encoding="utf-8")
        if name.startswith("databases/"):
            config = yaml.safe_load(text)
            config["sqlalchemy_uri"] = database_uri
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        elif name.startswith("datasets/"):
            config = _with_labels(yaml.safe_load(text), labels, keep=True)
            text = yaml.safe_dump(config, allow_unicode=True, sort_keys=False)
        contents[name] = text
    return contents


def _as_saved(chart: dict) -> None:
    """One text for a chart whichever way it reached Superset, so that a re-export rewrites only the charts that changed:
    Superset's import re-serializes the query context (spaced, non-ASCII escaped) where a save in Explore writes it
    compact, and gives every chart's params annotation_layers where a save keeps them only in viz types that have them."""
    chart["params"].setdefault("annotation_layers", [])
    if chart.get("query_context"):
        chart["query_context"] = json.dumps(
            json.loads(chart["query_context"]), ensure_ascii=False, separators=(",", ":")
        )


def import_assets() -> None:
    from flask_migrate import upgrade
    from superset import security_manager
    from superset.commands.importers.v1.assets import ImportAssetsCommand
    from superset.extensions import appbuilder, db
    from superset.utils.core import override_user

    user_name = os.environ["METRICS_BI_ADMIN_USER"]
    password = os.environ["METRICS_BI_ADMIN_PASSWORD"]
    upgrade()  # what `superset db upgrade` does
    appbuilder.add_permissions(update_perms=True)  # what `superset init` does
    security_manager.sync_role_definitions()
    admin = security_manager.find_user(username=user_name)
    if admin is None:
        admin = security_manager.add_user(
            user_name, "Metrics", "Admin", f"{user_name}@localhost", security_manager.find_role("Admin"), password
        )
    else:
        security_manager.reset_password(admin.id, password)
    db.session.commit()
    with override_user(admin):
        ImportAssetsCommand(_bundle(os.environ["METRICS_BI_DATABASE_URI"])).run()


def export_assets() -> None:
    from superset import db, security_manager
    from superset.commands.dashboard.export import ExportDashboardsCommand
    from superset.models.dashboard import Dashboard
    from superset.utils.core import override_user

    admin = security_manager.find_user(username=os.environ["METRICS_BI_ADMIN_USER"])
    with override_user(admin):
        ids = [dashboard_id for (dashboard_id,) in db.session.query(Dashboard.id)]
        exported = {name: yaml.safe_load(content()) for name, content in ExportDashboardsCommand(ids).run()}
    exported["metadata.yaml"] = {
        "version": exported["metadata.yaml"]["version"],
        "type": "assets",
    }  # import_assets reads it
    labels = dictionary_labels()
    for name, config in exported.items():
        if name.startswith("databases/"):
            config["sqlalchemy_uri"] = URI_IN_FILES
        elif name.startswith("datasets/"):
            _with_labels(config, labels, keep=False)
        elif name.startswith("charts/"):
            _as_saved(config)
    for old in ASSETS.rglob("*.yaml"):
        old.unlink()
    for folder in sorted(ASSETS.glob("*/**/"), reverse=True):  # deepest first
        folder.rmdir()
    for name, config in exported.items():
        target = ASSETS / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    print(f"exported {len(exported) - 1} files (every dashboard with its charts, datasets and connection) to {ASSETS}")


def main(action: str) -> None:
    from superset.app import create_app

    with create_app().app_context():
        {"import": import_assets, "export": export_assets}[action]()


if __name__ == "__main__":
    main(sys.argv[1])
