"""The dashboards in bi/assets, in a real Superset on the pipeline's warehouse (as the read-only BI role), seen by a real
headless Chromium: every chart of every dashboard renders without an error and answers Superset's chart-data API from its
stored query context, the overview shows the mart's DAU, and saving a chart in Explore stores the query context its file
carries.
"""

from __future__ import annotations

import json
import socket
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml
from playwright.sync_api import Page

from metrics_local import superset
from metrics_local.superset import BI_DIR, BISettings
from metrics_local.superset_explore import CHROMIUM, chart_ids, logged_in_page, resave_chart

PROJECT = Path(__file__).resolve().parents[2]
CHARTS = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in (BI_DIR / "assets" / "charts").glob("*.yaml")]
DASHBOARDS = {
    board["slug"]: board
    for board in (
        yaml.safe_load(path.read_text(encoding="utf-8")) for path in (BI_DIR / "assets" / "dashboards").glob("*.yaml")
    )
}
OVERVIEW_DAU = "日活 DAU（最新日 latest day）"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def bi(pipeline, tmp_path_factory) -> BISettings:
    """Superset (its environment and Chromium set up by make, cached) serving the dashboards on the pipeline's warehouse."""
    subprocess.run(["make", "--no-print-directory", "-C", PROJECT, "bi-venv", CHROMIUM], check=True)
    home = tmp_path_factory.mktemp("superset")
    settings = replace(superset.load_bi_settings({}), port=_free_port(), admin_password="e2e-admin", home=home)
    env = superset.provision(settings, pipeline.url)
    with superset.serve(settings, env, log=home / "superset.log"):
        yield settings


@pytest.fixture(scope="module")
def page(bi: BISettings) -> Page:
    # Tall enough for every dashboard: charts outside the viewport are not rendered (dashboard virtualization).
    with logged_in_page(bi, viewport={"width": 1600, "height": 3200}, locale="zh-CN") as page:
        yield page


def _open(page: Page, bi: BISettings, slug: str) -> dict[str, str]:
    """Open a dashboard and wait until every chart has drawn; {chart title: its rendered text}."""
    page.goto(f"{bi.url}/superset/dashboard/{slug}/")
    page.wait_for_selector("[data-test-chart-name] [data-test=slice-container]", timeout=120_000)
    page.wait_for_function(
        """() => [...document.querySelectorAll('[data-test-chart-name]')].every(chart =>
               chart.querySelector('[data-test=slice-container]') && !chart.querySelector('[data-test=loading-indicator]'))""",
        timeout=180_000,
    )
    holders = page.locator("[data-test-chart-name]")
    return {
        holders.nth(i).get_attribute("data-test-chart-name"): holders.nth(i).inner_text()
        for i in range(holders.count())
    }


@pytest.mark.parametrize("slug", sorted(DASHBOARDS))
def test_every_chart_of_the_dashboard_renders_without_an_error(page: Page, bi: BISettings, slug: str) -> None:
    failed_queries = []
    page.on("response", lambda r: "/api/v1/chart/data" in r.url and r.status >= 400 and failed_queries.append(r.url))
    charts = _open(page, bi, slug)
    assert set(charts) == set(_placed(slug))
    errors = page.locator("[data-test-chart-name] [role=alert], [data-test-chart-name] [data-test=error-tooltip]")
    assert errors.count() == 0, [errors.nth(i).inner_text() for i in range(errors.count())]
    assert not failed_queries
    assert page.locator(
        "[data-test-chart-name] canvas, [data-test-chart-name] svg, [data-test-chart-name] table"
    ).count()
    print(f"\n{slug}: " + " | ".join(f"{title}: {' '.join(text.split())[:60]}" for title, text in charts.items()))


def _placed(slug: str) -> dict[str, str]:
    """{title: uuid} of the charts the dashboard places."""
    nodes = DASHBOARDS[slug]["position"].values()
    return {
        node["meta"]["sliceName"]: node["meta"]["uuid"]
        for node in nodes
        if isinstance(node, dict) and node.get("type") == "CHART"
    }


def test_the_overview_shows_the_marts_dau(page: Page, bi: BISettings, pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        (dau,) = conn.execute(
            "select dau from kpi.kpi_daily where date = (select as_of_date from marts.dim_reporting_window)"
        ).fetchone()
    charts = _open(page, bi, "operations-overview")
    shown = page.locator(f'[data-test-chart-name="{OVERVIEW_DAU}"] .header-line').inner_text()
    assert Decimal(shown.replace(",", "")) == dau, charts[OVERVIEW_DAU]


# 投产比 ROAS (30日 30d) plots roas_30d, the revenue of a month's signups within 30 days of signing up over the month's
# spend: the 28-day sample has no cohort 30 days old, so the warehouse has no ROAS yet and the chart has no rows (the
# count below, 0 there), whereas every other chart has some.
ROWS_OF = {
    "1b71ad5c-1fcf-50b3-bf1c-fa183e8145b5": "select count(distinct month_start) from kpi.kpi_channel_monthly "
    "where roas_30d is not null"
}


@pytest.mark.parametrize("slug", sorted(DASHBOARDS))
def test_every_chart_of_the_dashboard_answers_the_chart_data_api(page: Page, bi: BISettings, pipeline, slug) -> None:
    """`GET /api/v1/chart/<id>/data/` runs the chart's stored query context, as reports, alerts and CSV export do."""
    listed = page.request.get(f"{bi.url}/api/v1/dashboard/{slug}/charts")
    assert listed.ok, listed.text()[:300]
    ids = {chart["slice_name"]: chart["id"] for chart in listed.json()["result"]}
    placed = _placed(slug)
    assert set(ids) == set(placed)
    rows = {}
    for name, uuid in placed.items():
        response = page.request.get(f"{bi.url}/api/v1/chart/{ids[name]}/data/")
        assert response.status == 200, (name, response.text()[:500])
        (result,) = response.json()["result"]
        assert result["status"] == "success" and result["rowcount"] == len(result["data"]), (name, result["status"])
        rows[name] = result["rowcount"]
        if uuid in ROWS_OF:
            with psycopg.connect(pipeline.url) as conn:
                (expected,) = conn.execute(ROWS_OF[uuid]).fetchone()
            assert expected == 0 and rows[name] == expected, (name, rows[name], expected)
        else:
            assert rows[name] >= 1, name
    print(f"\n{slug}: " + " | ".join(f"{name}: {count} rows" for name, count in rows.items()))


# One chart of each kind the dashboards use; saving goes through that kind's buildQuery in Superset's frontend.
ONE_OF_EACH_VIZ = {(chart["viz_type"], chart["params"].get("query_mode")): chart for chart in CHARTS}


@pytest.mark.parametrize("kind", sorted(ONE_OF_EACH_VIZ, key=str), ids=lambda kind: "-".join(filter(None, kind)))
def test_saving_a_chart_in_explore_stores_the_query_context_its_file_carries(page: Page, bi: BISettings, kind) -> None:
    """The files' query contexts are what Superset's frontend builds for their params (`make bi-resave` keeps them so).
    Only the queries are compared: a save also rewrites a few params that query nothing (save after save, a timeseries
    chart's alternately have order_desc, xAxisForceCategorical, group_others_when_limit_reached or x_axis_sort_asc)."""
    chart = ONE_OF_EACH_VIZ[kind]
    (chart_id,) = (i for i, name in chart_ids(page, bi).items() if name == chart["slice_name"])
    saved = resave_chart(page, bi, chart_id)
    assert json.loads(saved["query_context"])["queries"] == json.loads(chart["query_context"])["queries"]
