"""A headline KPI is one unit: its column's `config.meta` in its kpi model's YAML states its `owner` (a key of
config/owners.yml), its `alert` (one mapping or a list: the alert rules that watch it) and its `target` (the name
config/targets.yml names it by). Read here from the project's parsed manifest, so every reader sees what dbt sees."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics_warehouse.config_files import ConfigError
from metrics_warehouse.dbt.manifest import ensure_manifest, read_manifest
from metrics_warehouse.settings import DBT_PROJECT_DIR

KPI_SCHEMA = "kpi"


@dataclass(frozen=True)
class KpiColumn:
    model: str
    column: str
    owner: str
    alerts: tuple[dict[str, Any], ...]
    target: dict[str, Any] | None
    where: str  # the YAML file and column, for error messages
    model_columns: frozenset[str]

    @property
    def measures(self) -> str:
        """`<kpi model>.<column>`, as the KPI dictionary and the digest name it."""
        return f"{self.model}.{self.column}"


def alert_name(column: str, alert: dict[str, Any]) -> str:
    """The rule an `alert` meta states is named `<column>_anomaly` unless it names itself."""
    return alert.get("name", f"{column}_anomaly")


def kpi_columns(manifest_path: Path | None = None) -> list[KpiColumn]:
    """Every column of a kpi model whose meta gives an alert or a target (it must then give its owner), by model and
    in the order of the model's YAML (the digest lists a team's KPIs so)."""
    manifest = read_manifest(manifest_path or ensure_manifest())
    found = []
    for node in sorted(manifest["nodes"].values(), key=lambda node: node["name"]):
        if node["resource_type"] != "model" or node["config"].get("schema") != KPI_SCHEMA:
            continue
        yml = DBT_PROJECT_DIR / node["patch_path"].split("://", 1)[-1] if node.get("patch_path") else node["path"]
        for column in node["columns"].values():
            meta = column.get("meta") or {}
            if not ({"alert", "target"} & meta.keys()):
                continue
            where = f"{yml}: column {column['name']}"
            if not meta.get("owner"):
                raise ConfigError(f"{where}: a column with an alert or a target needs meta.owner")
            alerts = meta.get("alert") or []
            alerts = [alerts] if isinstance(alerts, dict) else alerts
            if not all(isinstance(alert, dict) for alert in alerts):
                raise ConfigError(f"{where}: meta.alert must be a mapping or a list of mappings")
            if meta.get("target") is not None and not (meta["target"] or {}).get("name"):
                raise ConfigError(f"{where}: meta.target needs a name (the kpi config/targets.yml names)")
            found.append(
                KpiColumn(
                    node["name"],
                    column["name"],
                    meta["owner"],
                    tuple(alerts),
                    meta.get("target"),
                    where,
                    frozenset(node["columns"]),
                )
            )
    return found
