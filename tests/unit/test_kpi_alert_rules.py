"""The KPI alert rules (the `alert` meta of the kpi columns) against the dbt models they watch: every headline KPI has a
rule learned from history with its direction and owner, and every column, table and drill-down metric a rule names
exists; a meta alert naming a column its model lacks is refused."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from metrics_warehouse.alerting.config import _meta_rule, load_rules
from metrics_warehouse.alerting.drilldown import SEGMENTS_TABLE
from metrics_warehouse.config_files import ConfigError
from metrics_warehouse.dbt.kpi_meta import KpiColumn, kpi_columns
from metrics_warehouse.docs.dictionary import load_dictionary
from metrics_warehouse.targets import target_kinds

ROOT = Path(__file__).resolve().parents[2]
HEADLINE_KPIS = {  # (table, column) -> the direction that matters
    ("kpi.kpi_daily", "dau"): "drop",
    ("kpi.kpi_daily", "new_users"): "drop",
    ("kpi.kpi_daily", "paid_new_users"): "drop",
    ("kpi.kpi_daily", "orders"): "drop",
    ("kpi.kpi_daily", "net_revenue"): "drop",
    ("kpi.kpi_daily", "aov"): "drop",
    ("kpi.kpi_daily", "paying_rate"): "drop",
    ("kpi.kpi_retention_cohorts", "retention_d1"): "drop",
    ("kpi.kpi_channel_daily", "cac"): "rise",
    ("kpi.kpi_channel_daily", "spend"): "rise",
    ("kpi.kpi_feedback_daily", "complaints"): "rise",
}
QUERY_RULES = {"nps_anomaly": "drop", "first_response_anomaly": "rise"}  # KPIs the marts give per month / category


def _models() -> dict[str, dict]:
    """Every dbt model's YAML entry, by `schema.name` (the folder's schema, as dbt_project.yml sets it)."""
    models = {}
    for path in (ROOT / "dbt_project" / "models").rglob("*.yml"):
        schema = path.relative_to(ROOT / "dbt_project" / "models").parts[0]
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or ():
            models[f"{schema}.{model['name']}"] = model
    return models


def _columns(model: dict) -> set[str]:
    return {column["name"] for column in model.get("columns", [])}


def test_every_headline_kpi_has_an_anomaly_rule_with_its_direction() -> None:
    declared = {
        (rule.kpi["table"], rule.kpi["column"]): rule.condition.direction
        for rule in load_rules()
        if rule.condition.kind == "anomaly" and rule.kpi
    }
    assert {kpi: declared.get(kpi) for kpi in HEADLINE_KPIS} == HEADLINE_KPIS
    by_name = {rule.name: rule.condition for rule in load_rules()}
    assert {name: by_name[name].direction for name in QUERY_RULES if by_name[name].kind == "anomaly"} == QUERY_RULES


def test_each_kpi_is_declared_once() -> None:
    watched = [(r.kpi["table"], r.kpi["column"]) for r in load_rules() if r.condition.kind == "anomaly" and r.kpi]
    assert len(watched) == len(set(watched))


def test_every_rule_names_existing_models_and_columns() -> None:
    models = _models()
    for rule in load_rules():
        if not rule.kpi:
            continue
        model = models.get(rule.kpi["table"])
        assert model is not None, f"{rule.name}: no dbt model {rule.kpi['table']}"
        named = {rule.kpi["column"], rule.kpi.get("date_column", "date")} | (
            {rule.kpi["by"]} if "by" in rule.kpi else set()
        )
        assert named <= _columns(model), f"{rule.name}: {sorted(named - _columns(model))} not in {rule.kpi['table']}"


def test_every_drilldown_metric_is_split_by_the_segments_model() -> None:
    segments = _models()[SEGMENTS_TABLE]
    [metric] = [c for c in segments["columns"] if c["name"] == "metric"]
    metrics = set(metric["data_tests"][0]["accepted_values"]["arguments"]["values"])
    drilldowns = {rule.name: rule.drilldown for rule in load_rules() if rule.drilldown}
    assert len(drilldowns) >= len(HEADLINE_KPIS) + 1
    assert {name: m for name, m in drilldowns.items() if m not in metrics} == {}


def test_every_anomaly_rule_and_target_kpi_measures_a_column_of_the_kpi_dictionary() -> None:
    """The daily digest names each KPI it lists and shows its values by the unit of the column it measures."""
    dictionary = load_dictionary()
    columns = {f"{table.name}.{column.name}" for table in dictionary.tables for column in table.columns}
    measured = {rule.name: rule.measures for rule in load_rules() if rule.condition.kind == "anomaly"}
    assert {name: column for name, column in measured.items() if column not in columns} == {}
    by = {f"{r.measures.split('.')[0]}.{r.kpi['by']}" for r in load_rules() if r.measures and (r.kpi or {}).get("by")}
    assert by and by <= columns
    assert {kind.measures for kind in target_kinds().values()} <= columns


def test_a_meta_alert_naming_a_column_its_model_lacks_is_refused() -> None:
    [dau] = [kpi for kpi in kpi_columns() if kpi.measures == "kpi_daily.dau"]
    with pytest.raises(ConfigError, match=r"kpi_daily\.yml: column dau: meta.alert: channel is no column of kpi_daily"):
        _meta_rule(dau, {**dau.alerts[0], "by": "channel"})
    with pytest.raises(ConfigError, match="unknown key"):
        _meta_rule(dau, {**dau.alerts[0], "ownr": "finance"})
    assert isinstance(dau, KpiColumn) and dau.owner == "product_analytics"
