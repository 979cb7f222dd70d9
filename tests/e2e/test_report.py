"""The report the pipeline run wrote (运营日报), opened in headless Chromium (Debian's /usr/bin/chromium): every chart
drew, the page logged no error and fetched nothing from the network, and its headline figures are the marts'."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from metrics_warehouse.warehouse.connection import connect

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SECTIONS = ["overview", "retention", "funnel", "channels", "users", "service", "data-quality", "ab-tests", "alerts"]
# What the 28-day sample always has: activity, signups by channel, cohorts, spend with clicks, feedback, surveys, deliveries.
CHARTS = [
    "overview-active", "overview-new-users", "overview-revenue", "overview-value", "overview-rates", "retention-heatmap",
    "retention-trend", "funnel-cohorts", "channels-spend", "channels-ctr", "users-segments", "service-feedback",
    "service-response", "service-nps-csat", "quality-accuracy",
]  # fmt: skip


@pytest.fixture(scope="module")
def rendered(pipeline):
    """The page after its scripts ran: what each chart drew, the headline cards, console errors, network requests."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    report = Path(pipeline.env["METRICS_REPORT_DIR"]) / "index.html"
    errors, requests = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(report.as_uri(), wait_until="load")
        page.wait_for_timeout(500)  # ECharts draws synchronously on setOption; leave time for any late error
        charts = page.eval_on_selector_all(
            "[data-chart]",
            """nodes => Object.fromEntries(nodes.map(node => {
                const svg = node.querySelector('svg');
                const box = node.getBoundingClientRect();
                return [node.id, {
                    shapes: svg ? svg.querySelectorAll('path, rect, circle, polygon').length : 0,
                    width: box.width, height: box.height,
                }];
            }))""",
        )
        cards = page.eval_on_selector_all(
            ".card", "nodes => Object.fromEntries(nodes.map(n => [n.dataset.kpi, n.querySelector('.value').innerText]))"
        )
        sections = page.eval_on_selector_all("main > section", "nodes => nodes.map(n => n.id)")
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        null_titles = page.eval_on_selector_all("td[title]", "nodes => nodes.map(n => [n.innerText, n.title])")
        text = page.inner_text("body")
        page.screenshot(path=str(report.with_name("report.png")), full_page=True)
        browser.close()
    return {
        "errors": errors,
        "requests": requests,
        "charts": charts,
        "cards": cards,
        "sections": sections,
        "overflow": overflow,
        "null_titles": null_titles,
        "text": text,
    }


def _one(url: str, query: str):
    with connect(url) as conn:
        return conn.execute(query).fetchone()


def test_every_chart_drew_and_nothing_failed(rendered) -> None:
    assert rendered["errors"] == []
    assert [url for url in rendered["requests"] if not url.startswith(("file:", "data:"))] == []
    assert rendered["sections"] == SECTIONS
    drawn = rendered["charts"]
    assert set(CHARTS) <= set(drawn)
    assert {chart: shape for chart, shape in drawn.items() if shape["shapes"] < 3 or shape["height"] < 100} == {}


def _money_shown(text: str) -> Decimal:
    assert text.startswith(("¥", "-¥")), text
    return Decimal(re.sub(r"[^\d.-]", "", text))


def _money_rounded(exact: Decimal) -> Decimal:
    """Commercial rounding of the exact numeric: to the fen below ¥100,000, to the yuan above."""
    return exact.quantize(Decimal("0.01") if abs(exact) < 100_000 else Decimal(1), rounding=ROUND_HALF_UP)


def test_the_headline_is_the_marts(pipeline, rendered) -> None:
    cards = rendered["cards"]
    dau, net_revenue = _one(
        pipeline.url,
        "select dau, net_revenue from kpi.kpi_daily where date = (select as_of_date from marts.dim_reporting_window)",
    )
    assert cards["kpi_daily.dau"] == f"{dau:,}"
    assert _money_shown(cards["kpi_daily.net_revenue"]) == _money_rounded(net_revenue)
    (month_revenue,) = _one(
        pipeline.url,
        "select net_revenue from kpi.kpi_periodic where period_type = 'month' and complete "
        "order by period_start desc limit 1",
    )
    assert _money_shown(cards["kpi_periodic.net_revenue"]) == _money_rounded(month_revenue)


def test_immature_figures_are_shown_as_such(pipeline, rendered) -> None:
    (immature_months,) = _one(pipeline.url, "select count(*) from kpi.kpi_channel_monthly where roas_30d is null")
    assert immature_months > 0  # a 28-day sample: no month's 30-day window is complete
    roas_rules = [
        title for text, title in rendered["null_titles"] if text == "—" and "revenue_30d is immature" in title
    ]
    assert len(roas_rules) >= immature_months
    assert "None" not in rendered["text"] and "nan" not in rendered["text"].split()


def test_the_page_fits_its_width_and_speaks_both_languages(rendered) -> None:
    assert rendered["overflow"] <= 0  # wide tables scroll inside their box; the page is never cut off on the right
    for label in (
        "运营日报",
        "日活跃用户",
        "7日留存率（7日内再次使用）",
        "渠道等级",
        "净推荐值",
        "数据准确率",
        "Daily active users",
    ):
        assert label in rendered["text"]
