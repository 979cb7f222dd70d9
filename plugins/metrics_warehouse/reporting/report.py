"""The per-run report a manager reads (运营日报): one self-contained, bilingual HTML page with interactive charts."""

from __future__ import annotations

import os
from datetime import datetime
from decimal import Decimal, localcontext
from pathlib import Path

import pandas as pd

from metrics_warehouse.docs.dictionary import load_dictionary
from metrics_warehouse.reporting.page import Vocabulary, render
from metrics_warehouse.reporting.queries import read_kpis
from metrics_warehouse.reporting.sections import SECTIONS
from metrics_warehouse.settings import load_settings

TITLE = "运营日报 · Operations daily report"


def _cents(amount: Decimal | int) -> Decimal:
    """Money rounded for display, however large (numeric in storage holds more digits than a default Decimal context)."""
    amount = Decimal(amount)
    with localcontext() as context:
        context.prec = max(context.prec, amount.adjusted() + 3)
        return round(amount, 2)


def summary(frames: dict[str, pd.DataFrame]) -> dict[str, object]:
    """The headline numbers `make demo` prints (latest complete day, totals)."""
    daily = frames["daily"]
    if daily.empty:
        return {}
    latest = daily.iloc[-1]
    mature_d7 = frames["cohorts"]["retention_d7"].dropna()
    nps = frames["surveys"]["nps"].dropna()
    return {
        "as_of_date": latest["date"],
        "dau": int(latest["dau"]),
        "mau": int(latest["mau"]),
        "registered_users": int(latest["cumulative_users"]),
        "net_revenue_total": _cents(sum(daily["net_revenue"].dropna())),
        "orders_total": int(daily["orders"].sum()),
        "d7_retention_latest_mature_cohort": None if mature_d7.empty else round(float(mature_d7.iloc[-1]), 4),
        "nps_latest": None if nps.empty else round(float(nps.iloc[-1]), 1),
    }


def build_page(frames: dict[str, pd.DataFrame], currency: str, generated_at: datetime) -> str:
    vocab = Vocabulary(load_dictionary(), currency)
    as_of = frames["as_of"]["as_of_date"].iloc[0] if not frames["as_of"].empty else None
    subtitle = (
        f"统计截止日 As of {as_of or '—'} · 生成于 Generated {generated_at:%Y-%m-%d %H:%M %Z} · "
        f"金额 Money in {currency} · “—” 表示空值：未成熟（统计窗口未走完）或分母为 0，悬停查看规则 "
        "NULL: immature or a zero denominator (hover for the rule)"
    )
    return render(TITLE, subtitle, [section(frames, vocab) for section in SECTIONS])


def write_report(url: str, out_dir: Path) -> Path:
    settings = load_settings()
    page = build_page(read_kpis(url), settings.reporting_currency, datetime.now(settings.reporting_zone))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    # Written whole or not at all: a run killed mid-write leaves the previous report, never half a page.
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(page, encoding="utf-8")
    os.replace(partial, path)
    return path
