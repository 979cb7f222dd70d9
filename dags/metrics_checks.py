"""
### metrics_checks — hourly freshness, volume, data-quality and KPI threshold alerts

Evaluates every rule in `config/alert_rules.yml` against the warehouse (the Airflow connection `metrics_warehouse`):
source freshness from `ops.ingest_ledger`, volume anomalies and failed checks from `ops.quality_results`,
rejected files, unmapped channel aliases and business KPI thresholds (DAU, CAC, NPS) from the `kpi` marts.

A new violation is recorded in `ops.alerts` and sent to the rule's owner (`config/owners.yml`: Slack webhook,
webhook, e-mail; addresses from Airflow connections when defined). An open alert is not re-sent; its recovery is
announced once. Failed deliveries are retried on the next runs and never fail this DAG.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import dag, get_current_context, task


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
        from metrics_warehouse.alerting.engine import evaluate
        from metrics_warehouse.orchestration import warehouse_url

        context = get_current_context()
        now = context.get("data_interval_end") or context["dag_run"].run_after
        return [
            {"rule": o.rule, "kind": o.kind, "subject": o.subject, "severity": o.severity, "owner": o.owner}
            for o in evaluate(warehouse_url(), now=now)
        ]

    evaluate_alert_rules()


metrics_checks()
