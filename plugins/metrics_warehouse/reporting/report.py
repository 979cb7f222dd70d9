"""An HTML KPI report with charts, written next to the marts' numbers it shows."""

from __future__ import annotations

import base64
import html
import io
from datetime import date
from decimal import Decimal, localcontext
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from metrics_warehouse.reporting.queries import read_kpis  # noqa: E402


def _chart(draw, title: str) -> str:
    figure, axis = plt.subplots(figsize=(8, 3.2), dpi=100)
    buffer = io.BytesIO()
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            draw(axis)
            axis.set_title(title, loc="left", fontsize=11)
            axis.grid(alpha=0.3)
            figure.autofmt_xdate()
            figure.tight_layout()
            figure.savefig(buffer, format="png")
    except (ValueError, OverflowError) as error:  # values beyond what a chart can scale (numeric holds 1e308)
        return f"<p>{html.escape(title)}: no chart ({html.escape(str(error))}); the numbers are in the kpi schema.</p>"
    finally:
        plt.close(figure)
    return (
        f'<img alt="{html.escape(title)}" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'
    )


def _lines(frame: pd.DataFrame, x: str, columns: list[str]):
    def draw(axis) -> None:
        for column in columns:
            axis.plot(frame[x], frame[column].astype(float), label=column)
        axis.legend(loc="upper left", fontsize=8)

    return draw


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


def write_report(url: str, out_dir: Path) -> Path:
    frames = read_kpis(url)
    out_dir.mkdir(parents=True, exist_ok=True)
    daily, cohorts = frames["daily"], frames["cohorts"]
    sections = [f"<h1>Product-operations KPIs</h1><p>Built {date.today().isoformat()} from the kpi schema.</p>"]
    headline = summary(frames)
    if headline:
        sections.append(
            "<table>" + "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in headline.items()) + "</table>"
        )
        sections.append(_chart(_lines(daily, "date", ["dau", "wau", "mau"]), "Active users (DAU / WAU / MAU)"))
        sections.append(_chart(_lines(daily, "date", ["new_users", "paid_new_users"]), "New users"))
        sections.append(_chart(_lines(daily, "date", ["gross_revenue", "net_revenue"]), "Revenue (reporting currency)"))
    if not cohorts.empty:
        sections.append(
            _chart(
                _lines(cohorts, "signup_date", ["retention_d1", "retention_d7", "retention_d30"]), "Retention by cohort"
            )
        )
    for name, title in (
        ("channels", "Channels by month"),
        ("surveys", "NPS / CSAT by month"),
        ("quality", "Data quality"),
    ):
        if not frames[name].empty:
            sections.append(
                f"<h2>{title}</h2>" + frames[name].to_html(index=False, na_rep="—", float_format="{:.4g}".format)
            )
    page = (
        "<!doctype html><meta charset='utf-8'><title>KPI report</title>"
        "<style>body{font-family:sans-serif;max-width:960px;margin:2em auto}table{border-collapse:collapse;font-size:13px}"
        "td,th{border:1px solid #ddd;padding:3px 6px;text-align:right}</style>" + "\n".join(sections)
    )
    path = out_dir / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
