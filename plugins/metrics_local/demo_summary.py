"""The short summary printed at the end of `make demo`: headline KPIs, ingestion, open alerts and where things are."""

from __future__ import annotations

from pathlib import Path

from metrics_local.embedded import EMBEDDED_PGDATA
from metrics_warehouse.reporting.queries import read_kpis
from metrics_warehouse.reporting.report import summary
from metrics_warehouse.settings import Settings
from metrics_warehouse.warehouse.connection import connect, database_name

OPEN_ALERTS = """
    select min(a.alert_id), a.rule, a.subject, a.owner
    from ops.alerts as a
    inner join ops.alert_state as s on a.rule = s.rule and a.subject = s.subject
    where a.kind = 'alert' and s.status = 'open'
    group by a.rule, a.subject, a.owner
    order by a.rule, a.subject
"""


def print_summary(url: str, settings: Settings, log_path: Path) -> None:
    frames = read_kpis(url)
    print("\n=== KPI summary ===")
    for key, value in summary(frames).items():
        print(f"  {key:<36} {value}")
    quality = frames["quality"]
    if not quality.empty:
        print("\n=== Ingestion (all deliveries) ===")
        columns = ["source", "files", "files_rejected", "records_read", "records_loaded", "records_quarantined"]
        print(quality[columns].to_string(index=False))
    with connect(url) as conn:
        alerts = conn.execute(OPEN_ALERTS).fetchall()
    print(
        f"\n=== Open alerts: {len(alerts)} (one per rule and subject; ops.alerts, rules in config/alert_rules.yml) ==="
    )
    for alert_id, rule, subject, owner in alerts:
        print(f"  #{alert_id:<5} {rule:<28} {subject:<24} -> {owner}")
    if alerts:
        print('  (`python -m metrics_local alerts ack ID` / `alerts resolve ID --note "root cause"`)')
    print("\n=== Where things are ===")
    if settings.warehouse_url:
        print(f"  warehouse     METRICS_WAREHOUSE_URL, database {database_name(url)}")
    else:
        print(f"  warehouse     embedded PostgreSQL in {EMBEDDED_PGDATA}, stopped when the demo ends")
        print("                (`make warehouse-start` starts it and prints its URL; `make warehouse-stop` stops it)")
    print(f"  KPI marts     schema kpi in database {database_name(url)} (kpi_daily, kpi_retention_cohorts, ...)")
    print(f"  report        {settings.report_dir / 'index.html'}")
    print(f"  landing zone  {settings.landing_dir}")
    print(f"  full log      {log_path}")
