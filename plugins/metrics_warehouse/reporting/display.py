"""How a KPI value is shown to a reader, in the report and the daily digest alike: named by the KPI dictionary, by its
unit from there, money with its currency, NULL as "—".

Storage keeps exact numerics; only these functions round. Chart values are plain numbers (ratios in percent points)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, localcontext

from metrics_warehouse.docs.dictionary import Column, Dictionary

NULL_TEXT = "—"
CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "GBP": "£", "JPY": "JP¥", "HKD": "HK$", "KRW": "₩"}
DURATION_SUFFIX = {"days": " 天", "minutes": " 分钟", "hours": " 小时"}


def is_null(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))  # NaN, pandas NA
    except TypeError:
        return True  # pandas.NA refuses comparison


def _rounded(value: object, places: int) -> str:
    """Commercial rounding (half away from zero) of the exact value, with thousands separators."""
    exact = value if isinstance(value, Decimal) else Decimal(str(value))
    with localcontext() as context:  # as many digits as the value has (numeric holds 1e308), never InvalidOperation
        context.prec = max(context.prec, exact.adjusted() + places + 2)
        return f"{exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP):,.{places}f}"


def money(value: object, currency: str) -> str:
    """¥1,234.57; whole units from 100,000 up (¥123,457): cents do not matter at that size."""
    if is_null(value):
        return NULL_TEXT
    amount = value if isinstance(value, Decimal) else Decimal(str(value))
    symbol = CURRENCY_SYMBOLS.get(currency, f"{currency} ")
    sign = "-" if amount < 0 else ""
    return f"{sign}{symbol}{_rounded(abs(amount), 0 if abs(amount) >= 100_000 else 2)}"


def show(value: object, unit: str, currency: str) -> str:
    """The text of one value of a column whose dictionary unit is `unit`."""
    if is_null(value):
        return NULL_TEXT
    if unit == "money":
        return money(value, currency)
    if unit == "ratio":
        return f"{_rounded(Decimal(str(value)) * 100, 1)}%"
    if unit == "count":
        return _rounded(value, 0)  # an expected or mean count may have a fraction
    if unit == "score":
        return _rounded(value, 1)
    if unit == "number":
        return f"{float(value):.3g}" if abs(float(value)) < 0.01 else _rounded(value, 2)
    if unit == "days":
        return f"{int(value):,}{DURATION_SUFFIX[unit]}"
    if unit in DURATION_SUFFIX:
        return f"{_rounded(value, 1)}{DURATION_SUFFIX[unit]}"
    if unit == "flag":
        return "是 yes" if bool(value) else "否 no"
    if unit == "date" and isinstance(value, datetime | date):
        return value.isoformat()[:10]
    return str(value)


def change(value: object) -> str:
    """A relative change in whole percent, signed: +24%, -35%."""
    if is_null(value):
        return NULL_TEXT
    text = _rounded(abs(Decimal(str(value))) * 100, 0)
    return f"{'-' if value < 0 and text != '0' else '+'}{text}%"


@dataclass(frozen=True)
class Vocabulary:
    """The dictionary's names, units and NULL rules, and the reporting currency."""

    dictionary: Dictionary
    currency: str

    def column(self, table: str, column: str) -> Column:
        return self.dictionary.table(table).column(column)

    def name(self, table: str, column: str) -> str:
        found = self.column(table, column)
        return f"{found.label_zh} {found.label_en}"

    def show(self, table: str, column: str, value: object) -> str:
        return show(value, self.column(table, column).unit, self.currency)


def chart_value(value: object, unit: str) -> float | int | None:
    """A number ECharts plots: None for NULL (a gap), ratios in percent points, money to the cent."""
    if is_null(value):
        return None
    if unit == "ratio":
        return round(float(value) * 100, 2)
    if unit == "count":
        return int(value)
    if isinstance(value, Decimal | float | int):
        return round(float(value), 2)
    return value  # type: ignore[return-value]
