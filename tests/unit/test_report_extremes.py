"""publish never crashes on values the marts can hold: a numeric 1e308 in the revenue columns."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from metrics_warehouse.reporting import display, report


def test_summary_and_display_take_the_largest_amounts() -> None:
    huge = Decimal("1e308")
    daily = pd.DataFrame(
        {
            "date": pd.to_datetime(["2026-11-01", "2026-11-02"]),
            "dau": [3, 4],
            "mau": [5, 6],
            "cumulative_users": [7, 8],
            "orders": [1, 2],
            "net_revenue": [huge, huge],
        }
    )
    frames = {"daily": daily, "cohorts": pd.DataFrame({"retention_d7": []}), "surveys": pd.DataFrame({"nps": []})}
    assert report.summary(frames)["net_revenue_total"] == 2 * huge
    assert display.money(huge, "CNY").startswith("¥100,000,000")
    assert display.money(Decimal("12.345"), "CNY") == "¥12.35"
