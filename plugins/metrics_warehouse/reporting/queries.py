"""Read the KPI marts (and the open alerts) into pandas frames for the report and the demo summary."""

from __future__ import annotations

import pandas as pd

from metrics_warehouse.warehouse.connection import connect

QUERIES = {
    "as_of": "select * from marts.dim_reporting_window",
    "daily": "select * from kpi.kpi_daily order by date",
    "periodic": "select * from kpi.kpi_periodic order by period_type, period_start",
    "channel_daily": "select * from kpi.kpi_channel_daily order by date, channel",
    "cohorts": "select * from kpi.kpi_retention_cohorts order by signup_date",
    "curve": "select * from kpi.kpi_retention_curve order by signup_date, day_number",
    "funnel": "select * from kpi.kpi_funnel order by signup_date",
    "channels": "select * from kpi.kpi_channel_monthly order by month_start, channel",
    "segments": """
        select segment, churn_risk_reason, count(*) as users, sum(net_revenue_365d) as net_revenue_365d
        from kpi.kpi_user_profile group by segment, churn_risk_reason order by segment, churn_risk_reason
    """,
    "churn_risk": """
        select user_id, channel, segment, days_since_last_active, active_days_30d, orders_365d, net_revenue_365d,
            churn_risk_reason
        from kpi.kpi_user_profile where churn_risk order by net_revenue_365d desc, user_id limit 15
    """,
    "feedback": "select * from kpi.kpi_feedback_daily order by date, category",
    "surveys": "select * from kpi.kpi_survey_monthly order by month_start, survey_id",
    "ab_tests": "select * from kpi.kpi_ab_tests order by experiment_id, variant <> 'control', variant",
    "quality": """
        select source,
            sum(files) as files, sum(files_rejected) as files_rejected, sum(records_read) as records_read,
            sum(records_loaded) as records_loaded, sum(records_quarantined) as records_quarantined,
            sum(records_skipped) as records_skipped, sum(duplicates_removed) as duplicates_removed,
            bool_and(reconciled) as reconciled, sum(checks_run) as checks_run, sum(checks_failed) as checks_failed
        from kpi.kpi_data_quality group by source order by source
    """,
    "quality_daily": "select * from kpi.kpi_data_quality order by delivery_date, source",
}
# Written by the alert rules (metrics_warehouse.alerting); absent until they first ran.
OPEN_ALERTS = """
    select rule, subject, severity, value, threshold, opened_at, last_seen_at from ops.alert_state
    where status = 'open' order by case severity when 'critical' then 0 when 'warning' then 1 else 2 end, opened_at
"""
OPEN_ALERT_COLUMNS = ["rule", "subject", "severity", "value", "threshold", "opened_at", "last_seen_at"]


def _frame(cursor) -> pd.DataFrame:
    return pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])


def read_kpis(url: str) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(url) as conn:
        for name, query in QUERIES.items():
            frames[name] = _frame(conn.execute(query))
        if conn.execute("select to_regclass('ops.alert_state')").fetchone()[0]:
            frames["alerts"] = _frame(conn.execute(OPEN_ALERTS))
        else:
            frames["alerts"] = pd.DataFrame(columns=OPEN_ALERT_COLUMNS)
    return frames
