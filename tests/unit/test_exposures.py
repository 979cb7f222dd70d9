"""dbt exposures: the dashboards and the report, each with an owner from config/owners.yml, depending on what they read."""

from __future__ import annotations

import re

import yaml

from metrics_warehouse.owners import load_owners
from metrics_warehouse.reporting.queries import OPEN_ALERTS, QUERIES
from metrics_warehouse.settings import DBT_PROJECT_DIR

EXPOSURES = {
    exposure["name"]: exposure
    for exposure in yaml.safe_load((DBT_PROJECT_DIR / "models" / "exposures.yml").read_text(encoding="utf-8"))[
        "exposures"
    ]
}
DASHBOARDS = ("operations-overview", "retention", "channels", "users", "service-satisfaction", "data-quality")


def test_every_dashboard_and_the_report_is_an_exposure_with_a_known_owner() -> None:
    slugs = {exposure.get("url", "").rstrip("/").rsplit("/", 1)[-1] for exposure in EXPOSURES.values()}
    assert set(DASHBOARDS) <= slugs
    assert EXPOSURES["operations_daily_report"]["type"] == "analysis"
    owners = set(load_owners())
    assert {name: e["owner"]["name"] for name, e in EXPOSURES.items() if e["owner"]["name"] not in owners} == {}


def test_the_report_exposure_lists_what_the_report_reads() -> None:
    read = {f"ref('{table}')" for table in re.findall(r"\b(?:kpi|marts)\.(\w+)", " ".join(QUERIES.values()))}
    read |= {f"source('ops', '{table}')" for table in re.findall(r"\bops\.(\w+)", OPEN_ALERTS)}
    assert set(EXPOSURES["operations_daily_report"]["depends_on"]) == read
