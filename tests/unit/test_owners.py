"""One owner registry (config/owners.yml): every owner named beside a model, a DAG or an alert rule is one of its keys."""

from __future__ import annotations

from pathlib import Path

import yaml
from airflow.dag_processing.dagbag import DagBag

from metrics_warehouse.alerting.config import load_rules
from metrics_warehouse.dbt.project import project_files
from metrics_warehouse.owners import load_owners

ROOT = Path(__file__).resolve().parents[2]
OWNERS = set(load_owners())


def _dbt_owners() -> dict[str, str]:
    """`meta.owner` of every model, seed and source in the dbt project, by the name it is written under."""
    found: dict[str, str] = {}

    def walk(node, where: str) -> None:
        if isinstance(node, dict):
            meta = node.get("meta") or (node.get("config") or {}).get("meta") or {}
            if "owner" in meta:
                found[f"{where}:{node.get('name', '?')}"] = meta["owner"]
            for value in node.values():
                walk(value, where)
        elif isinstance(node, list):
            for item in node:
                walk(item, where)

    for path in project_files():
        if path.suffix == ".yml":
            walk(yaml.safe_load(path.read_text(encoding="utf-8")), str(path.relative_to(ROOT)))
    return found


def test_the_registry_has_owners() -> None:
    assert {"data_engineering", "product_analytics", "growth_marketing", "customer_experience", "finance"} <= OWNERS


def test_every_dbt_owner_is_in_the_registry() -> None:
    owners = _dbt_owners()
    assert len(owners) > 20, "dbt models, seeds and sources declare their owner in meta"
    unknown = {where: owner for where, owner in owners.items() if owner not in OWNERS}
    assert unknown == {}


def test_every_alert_rule_owner_is_in_the_registry() -> None:
    assert {rule.name: rule.owner for rule in load_rules() if rule.owner not in OWNERS} == {}


def test_every_dag_task_owner_is_in_the_registry() -> None:
    bag = DagBag(dag_folder=str(ROOT / "dags"))
    assert bag.import_errors == {}
    owners = {f"{dag.dag_id}.{task.task_id}": task.owner for dag in bag.dags.values() for task in dag.tasks}
    assert len(owners) > 10
    assert {task: owner for task, owner in owners.items() if owner not in OWNERS} == {}
