"""
### metrics_checks — hourly freshness, volume, data-quality, KPI anomaly and target alerts; the daily digest

`metrics_checks` evaluates every rule in `config/alert_rules.yml` against the warehouse (the Airflow connection
`metrics_warehouse`):
source freshness from `ops.ingest_ledger`, volume anomalies and failed checks from `ops.quality_results`,
rejected files, unmapped channel aliases, every headline KPI against its own past (with the segment behind a move,
from `kpi.kpi_segments_daily`), fixed KPI limits and off-track targets (`kpi.kpi_targets`).

A new violation is recorded in `ops.alerts` and sent to the rule's owner (`config/owners.yml`: DingTalk, WeCom,
Feishu robots, Slack, e-mail, webhook; addresses and signing secrets from Airflow connections when defined); one
that recurs within 30 days of its resolution is escalated. An open alert is not re-sent; its recovery is announced
once. Failed deliveries are retried on the next runs and never fail this DAG.

`metrics_daily_digest` sends each owner the 运营日报 at 09:00 in the reporting time zone (`METRICS_REPORTING_TZ`,
Asia/Shanghai unless set): their KPIs against the expected values, their targets of the current period and their open
alerts.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import CronTriggerTimetable, dag, task

from metrics_warehouse.settings import load_settings


@dag(
    schedule="@hourly",
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data_engineering", "retries": 2, "retry_delay": timedelta(minutes=1)},
    tags=["metrics", "quality", "alerts"],
    doc_md=__doc__,
)
def metrics_checks():
    @task
    def evaluate_alert_rules() -> list[dict]:
        from metrics_warehouse import tasks

        return tasks.evaluate_alert_rules(tasks.warehouse_url())

    evaluate_alert_rules()


metrics_checks()


@dag(
    schedule=CronTriggerTimetable("0 9 * * *", timezone=load_settings().reporting_tz),
    start_date=datetime(2026, 1, 1),
    catchup=False,
    max_active_runs=1,
    default_args={"owner": "data_engineering", "retries": 2, "retry_delay": timedelta(minutes=5)},
    tags=["metrics", "alerts", "digest"],
    doc_md=__doc__,
)
def metrics_daily_digest():
    @task
    def send_daily_digests() -> dict[str, dict[str, str]]:
        from metrics_warehouse.alerting.digest import send_digests
        from metrics_warehouse.tasks import warehouse_url

        return {d.owner: d.deliveries for d in send_digests(warehouse_url())}

    send_daily_digests()


metrics_daily_digest()
