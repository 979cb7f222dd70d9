"""The dashboards in bi/assets, in a real Superset on the pipeline's warehouse (as the read-only BI role), seen by a real
headless Chromium: every chart of every dashboard renders without an error, and the overview shows the mart's DAU.
"""

from __future__ import annotations

import re
import socket
import subprocess
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest
import yaml
from playwright.sync_api import Page, sync_playwright

from metrics_local import superset
from metrics_local.superset import BI_DIR, BISettings

PROJECT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
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
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        # Tall enough for every dashboard: charts outside the viewport are not rendered (dashboard virtualization).
        page = browser.new_page(viewport={"width": 1600, "height": 3200}, locale="zh-CN")
        page.goto(f"{bi.url}/login/")
        page.fill("input#username", bi.admin_user)
        page.fill("input#password", bi.admin_password)
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/superset/welcome"), timeout=120_000)
        yield page
        browser.close()


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
    expected = {node["meta"]["sliceName"] for node in DASHBOARDS[slug]["position"].values() if _is_chart(node)}
    assert set(charts) == expected
    errors = page.locator("[data-test-chart-name] [role=alert], [data-test-chart-name] [data-test=error-tooltip]")
    assert errors.count() == 0, [errors.nth(i).inner_text() for i in range(errors.count())]
    assert not failed_queries
    assert page.locator(
        "[data-test-chart-name] canvas, [data-test-chart-name] svg, [data-test-chart-name] table"
    ).count()
    print(f"\n{slug}: " + " | ".join(f"{title}: {' '.join(text.split())[:60]}" for title, text in charts.items()))


def _is_chart(node) -> bool:
    return isinstance(node, dict) and node.get("type") == "CHART"


def test_the_overview_shows_the_marts_dau(page: Page, bi: BISettings, pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        (dau,) = conn.execute(
            "select dau from kpi.kpi_daily where date = (select as_of_date from marts.dim_reporting_window)"
        ).fetchone()
    charts = _open(page, bi, "operations-overview")
    shown = page.locator(f'[data-test-chart-name="{OVERVIEW_DAU}"] .header-line').inner_text()
    assert Decimal(shown.replace(",", "")) == dau, charts[OVERVIEW_DAU]
