"""The short summary printed at the end of `make demo`: headline KPIs, the ledger, and where things are."""

from __future__ import annotations

from metrics_warehouse.reporting.queries import read_kpis
from metrics_warehouse.reporting.report import summary
from metrics_warehouse.settings import Settings
from metrics_warehouse.warehouse.connection import connect, database_name


def print_summary(url: str, settings: Settings) -> None:
    frames = read_kpis(url)
    print("\n=== KPI summary ===")
    for key, value in summary(frames).items():
        print(f"  {key:<36} {value}")
    quality = frames["quality"]
    if not quality.empty:
        print("\n=== Ingestion (all deliveries) ===")
        print(
            quality[
                ["source", "files", "files_rejected", "records_read", "records_loaded", "records_quarantined"]
            ].to_string(index=False)
        )
    with connect(url) as conn:
        alerts = conn.execute("select count(distinct (rule, subject)) from ops.alerts where kind = 'alert'").fetchone()[
            0
        ]
    print("\n=== Where things are ===")
    print(f"  warehouse     {url}")
    print(f"  KPI marts     schema kpi in database {database_name(url)} (kpi_daily, kpi_retention_cohorts, ...)")
    print(f"  report        {settings.report_dir / 'index.html'}")
    print(f"  landing zone  {settings.landing_dir}")
    print(f"  alerts        {alerts} raised (ops.alerts; rules in config/alert_rules.yml)")
