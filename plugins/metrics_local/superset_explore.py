"""Superset's own frontend in headless Chromium (Debian's /usr/bin/chromium): log in, and save every chart again in
Explore, so each carries the query context Superset builds for its params.

A chart's query context (the queries its viz type's buildQuery makes of its params) is written by the frontend when the
chart is saved; Superset's chart-data API (`GET /api/v1/chart/<id>/data/`), its alerts and reports, cache warm-up and
CSV export run it. Saving in Explore is the one place that builds it, so that is what `make bi-resave` does.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator

from playwright.sync_api import Page, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from metrics_local.superset import BISettings

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 120_000


@contextlib.contextmanager
def logged_in_page(settings: BISettings, **page_options) -> Iterator[Page]:
    """A Chromium page logged in to Superset as the admin; its `page.request` shares the session (API calls)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(**page_options)
            page.goto(f"{settings.url}/login/")
            page.fill("input#username", settings.admin_user)
            page.fill("input#password", settings.admin_password)
            page.click("button[type=submit]")
            page.wait_for_url(re.compile(r"/superset/welcome"), timeout=TIMEOUT_MS)
            yield page
        finally:
            browser.close()


def chart_ids(page: Page, settings: BISettings) -> dict[int, str]:
    """{id: name} of every chart in Superset."""
    response = page.request.get(f"{settings.url}/api/v1/chart/?q=(columns:!(id,slice_name),page_size:100)")
    if not response.ok:
        raise RuntimeError(f"listing the charts: HTTP {response.status} {response.text()[:300]}")
    body = response.json()
    if body["count"] != len(body["result"]):
        raise RuntimeError(f"{body['count']} charts, more than the one page of 100 this reads")
    return {chart["id"]: chart["slice_name"] for chart in body["result"]}


def resave_chart(page: Page, settings: BISettings, chart_id: int) -> dict:
    """Open the chart in Explore, wait until it has loaded (its controls settled, its query run), save it over itself;
    the chart as Superset then stores it."""
    page.goto(f"{settings.url}/explore/?slice_id={chart_id}")
    page.wait_for_load_state("networkidle", timeout=TIMEOUT_MS)
    for _ in range(3):  # a click while Explore still settles can open no dialog: click again
        page.click("[data-test=query-save-button]")
        with contextlib.suppress(PlaywrightTimeoutError):
            page.wait_for_selector("[data-test=btn-modal-save]", timeout=10_000)
            break
    else:
        raise RuntimeError(f"chart {chart_id}: Explore's save dialog did not open")
    with page.expect_response(
        lambda r: r.request.method == "PUT" and r.url.endswith(f"/api/v1/chart/{chart_id}"), timeout=TIMEOUT_MS
    ) as saved:
        page.click("[data-test=btn-modal-save]")
    if not saved.value.ok:
        raise RuntimeError(f"saving chart {chart_id}: HTTP {saved.value.status} {saved.value.text()[:300]}")
    stored = page.request.get(f"{settings.url}/api/v1/chart/{chart_id}")
    if not stored.ok:
        raise RuntimeError(f"reading chart {chart_id} back: HTTP {stored.status}")
    return stored.json()["result"]


def resave_all(settings: BISettings) -> int:
    """Save every chart again in Explore; returns how many."""
    with logged_in_page(settings, viewport={"width": 1600, "height": 1200}) as page:
        charts = chart_ids(page, settings)
        for number, (chart_id, name) in enumerate(sorted(charts.items()), 1):
            resave_chart(page, settings, chart_id)
            print(f"saved {number}/{len(charts)}: {name}", flush=True)
    return len(charts)
