"""The whole pipeline under settings other than the defaults: money in US dollars, business days in a zone with daylight
saving time, naive timestamps in a third zone. One run of the real DAG (`python -m metrics_local run`: Airflow, Cosmos'
per-model `dbt build`, GX) on a small sample whose dates cross New York's switch back to EST (2026-11-01).

Each model's `dbt build` runs its dbt unit tests too, so the run itself fails if a unit test depends on a setting it does
not pin (as the spend test did on the reporting currency). KPIs are recomputed from the landing files under the same
settings (tests/e2e/independent.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from metrics_local.sample import generate
from metrics_local.sample.generate import Summary
from tests.e2e import independent
from tests.e2e.conftest import pipeline_env, run_pipeline

pytestmark = pytest.mark.e2e

SETTINGS = independent.Settings(reporting_tz="America/New_York", source_tz="Europe/Berlin", currency="USD")
ENV = {
    "METRICS_REPORTING_CURRENCY": SETTINGS.currency,
    "METRICS_REPORTING_TZ": SETTINGS.reporting_tz,
    "METRICS_SOURCE_TZ": SETTINGS.source_tz,
}
KPI_MODELS = {path.stem for path in (Path(__file__).parents[2] / "dbt_project" / "models" / "kpi").glob("*.sql")}

# Events near New York's midnight around the switch (EDT, UTC-4, until 2026-11-01 02:00; then EST, UTC-5), and the
# business date each must land on. Naive times are Berlin's (CET, UTC+1, since 2026-10-25): read in New York or
# Shanghai instead, one of the two would land on another day.
CASES = {
    "edt-last-minute": ("2026-11-01T03:59:00Z", date(2026, 10, 31)),  # 23:59 EDT
    "est-last-half-hour": ("2026-11-02T04:30:00Z", date(2026, 11, 1)),  # 23:30 EST (00:30 at a fixed UTC-4)
    "naive-berlin-morning": ("2026-11-01T11:00:00", date(2026, 11, 1)),  # 05:00 EST (Shanghai's 11:00: 10-31)
    "naive-berlin-night": ("2026-11-02T04:00:00", date(2026, 11, 1)),  # 22:00 EST (New York's 04:00: 11-02)
}
# A purchase in a currency no rate converts, delivered 2026-11-03.
UNCONVERTIBLE = {"event_id": "settings-xyz", "time": "2026-11-02T15:00:00Z", "date": date(2026, 11, 2)}
CASES_FILE = "events/2026-11-03/settings-cases.jsonl"


@dataclass
class Run:
    url: str
    landing: Path
    sample: Summary


def _write_cases(landing: Path) -> None:
    lines = [
        {"event_id": event_id, "event_name": "login", "event_time": at, "user_id": f"settings-{event_id}"}
        for event_id, (at, _) in CASES.items()
    ]
    lines.append(
        {
            "event_id": UNCONVERTIBLE["event_id"],
            "event_name": "purchase",
            "event_time": UNCONVERTIBLE["time"],
            "user_id": "settings-buyer",
            "properties": {"order_id": "settings-xyz", "amount": 100, "currency": "XYZ"},
        }
    )
    path = landing / CASES_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")


@pytest.fixture(scope="module")
def run(tmp_path_factory, new_database) -> Run:
    root = tmp_path_factory.mktemp("settings")
    landing = root / "landing"
    sample = generate(landing, days=14, users=200, end_date=date(2026, 11, 8), progress=False)
    _write_cases(landing)
    with new_database(create=False) as url:
        result = run_pipeline({**pipeline_env(landing, url, root), **ENV})
        log = root / "pipeline.log"
        log.write_text(result.stdout + result.stderr)
        assert result.returncode == 0, f"the pipeline failed: full log in {log}\n{result.stderr[-3000:]}"
        yield Run(url, landing, sample)


def query(url: str, sql: str, *params) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        cursor = conn.execute(sql, params)
        return pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])


@pytest.fixture(scope="module")
def clean_events(run) -> pd.DataFrame:
    return independent.events(run.landing, run.sample, SETTINGS)


@pytest.fixture(scope="module")
def kpi_daily(run) -> pd.DataFrame:
    return query(run.url, "select * from kpi.kpi_daily order by date").set_index("date")


def test_every_kpi_table_is_built(run, kpi_daily) -> None:
    tables = query(run.url, "select table_name from information_schema.tables where table_schema = 'kpi'")
    assert set(tables.table_name) == KPI_MODELS
    assert kpi_daily.index.min() <= date(2026, 10, 31) and kpi_daily.index.max() >= date(2026, 11, 7)


def test_day_boundaries_follow_the_reporting_zone_across_its_dst_switch(run) -> None:
    found = query(run.url, "select event_id, event_date from marts.fct_events where event_id = any(%s)", list(CASES))
    assert dict(zip(found.event_id, found.event_date, strict=True)) == {k: day for k, (_, day) in CASES.items()}


def test_dau_and_new_users_match_a_recomputation_in_the_reporting_zone(run, clean_events, kpi_daily) -> None:
    dau = independent.active_days(clean_events).groupby("date").user_id.nunique()
    new_users = independent.users(clean_events, independent.channel_aliases()).groupby("signup_date").user_id.nunique()
    assert independent.as_of_date(clean_events) == kpi_daily.index.max()
    for day, row in kpi_daily.iterrows():
        assert (row.dau, row.new_users) == (dau.get(day, 0), new_users.get(day, 0)), day


def test_revenue_and_spend_are_in_the_reporting_currency(run, clean_events, kpi_daily) -> None:
    rates = independent.fx_rates(run.landing, run.sample, SETTINGS)
    orders = independent.orders(clean_events, rates)
    assert set(orders.properties.map(lambda p: p["currency"])) == {"CNY", "USD", "XYZ"}
    spend = independent.daily_spend(run.landing, run.sample, rates)
    for day, row in kpi_daily.iterrows():
        on_day = orders[orders.date == day]
        assert row.orders == len(on_day), day
        revenue = sum(amount for amount in on_day.amount_reporting if amount is not None)
        assert float(row.gross_revenue) == pytest.approx(float(revenue), rel=1e-9, abs=1e-9), day
        assert float(row.marketing_spend) == pytest.approx(float(spend.get(day, 0)), rel=1e-9, abs=1e-9), day
    assert kpi_daily.gross_revenue.sum() > 0 and kpi_daily.marketing_spend.sum() > 0
    # CNY, the sample's main currency, at the fallback's 0.1389 USD: the run did not report yuan as dollars
    [cny_rate] = query(run.url, "select distinct fx_rate from marts.fct_orders where currency = 'CNY'").fx_rate
    assert float(cny_rate) == pytest.approx(0.1389)


def test_money_no_rate_converts_is_counted_and_alerted(run) -> None:
    unconverted = query(
        run.url,
        "select delivery_date, source, records_unconverted from kpi.kpi_data_quality where records_unconverted > 0",
    )
    assert list(unconverted.itertuples(index=False, name=None)) == [(date(2026, 11, 3), "events", 1)]
    alerts = query(  # one row per channel of the owner
        run.url, "select distinct subject, value, severity from ops.alerts where rule = 'money_unconverted'"
    )
    assert list(alerts.itertuples(index=False, name=None)) == [
        ("XYZ", f"events: 1 record(s) dated {UNCONVERTIBLE['date']}", "critical")
    ]
