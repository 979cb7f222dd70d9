"""Read the KPI marts into pandas frames for the report."""

from __future__ import annotations

import pandas as pd

from metrics_warehouse.warehouse.connection import connect

QUERIES = {
    "daily": "select * from kpi.kpi_daily order by date",
    "cohorts": "select * from kpi.kpi_retention_cohorts order by signup_date",
    "channels": "select * from kpi.kpi_channel_monthly order by month_start, channel",
    "surveys": "select * from kpi.kpi_survey_monthly order by month_start, survey_id",
    "quality": """
        select source,
            sum(files) as files, sum(files_rejected) as files_rejected, sum(records_read) as records_read,
            sum(records_loaded) as records_loaded, sum(records_quarantined) as records_quarantined,
            sum(records_skipped) as records_skipped, sum(duplicates_removed) as duplicates_removed,
            bool_and(reconciled) as reconciled, sum(checks_run) as checks_run, sum(checks_failed) as checks_failed
        from kpi.kpi_data_quality group by source order by source
    """,
}


def read_kpis(url: str) -> dict[str, pd.DataFrame]:
    frames = {}
    with connect(url) as conn:
        for name, query in QUERIES.items():
            cursor = conn.execute(query)
            frames[name] = pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])
    return frames
