"""How the report shows a value: by its dictionary unit, money with its currency and sensible rounding, NULL as "—"."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd

from metrics_warehouse.reporting.display import chart_value, show


def test_money_carries_its_currency_and_is_rounded_for_display_only() -> None:
    assert show(Decimal("186.8111764705882353"), "money", "CNY") == "¥186.81"
    assert show(Decimal("12345.675"), "money", "CNY") == "¥12,345.68"
    assert show(Decimal("123456.789"), "money", "CNY") == "¥123,457"
    assert show(Decimal("-12.5"), "money", "USD") == "-$12.50"
    assert show(Decimal("9.999"), "money", "SGD") == "SGD 10.00"


def test_ratios_are_percentages_and_null_is_a_dash() -> None:
    assert show(Decimal("0.2345"), "ratio", "CNY") == "23.5%"
    for missing in (None, float("nan"), pd.NA, pd.NaT):
        assert show(missing, "ratio", "CNY") == "—"
        assert chart_value(missing, "ratio") is None


def test_counts_scores_durations_and_dates() -> None:
    assert show(12345, "count", "CNY") == "12,345"
    assert show(Decimal("-23.456"), "score", "CNY") == "-23.5"
    assert show(Decimal("0.000123"), "number", "CNY") == "0.000123"
    assert show(Decimal("95.5"), "minutes", "CNY") == "95.5 分钟"
    assert show(7, "days", "CNY") == "7 天"
    assert show(True, "flag", "CNY") == "是 yes"
    assert show(date(2026, 11, 3), "date", "CNY") == "2026-11-03"


def test_chart_values_are_plain_numbers() -> None:
    assert chart_value(Decimal("0.12345"), "ratio") == 12.35
    assert chart_value(Decimal("186.8111764705882353"), "money") == 186.81
    assert chart_value(7, "count") == 7
