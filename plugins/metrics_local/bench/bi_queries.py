"""BI latency: the report's queries and the dashboard's typical filtered reads of the kpi schema, timed on a warehouse.

Every query runs `repeats` times after one warm-up; the figure is the 95th percentile of all timings in milliseconds.
"""

from __future__ import annotations

import statistics
import time

from metrics_warehouse.reporting.queries import QUERIES
from metrics_warehouse.warehouse.connection import connect

_LAST_30_DAYS = "(select max(date) - 29 from kpi.kpi_daily)"
DASHBOARD_QUERIES = {
    "daily_last_30": f"select * from kpi.kpi_daily where date >= {_LAST_30_DAYS} order by date",
    "channel_last_30": f"select * from kpi.kpi_channel_daily where channel = 'douyin' and date >= {_LAST_30_DAYS}",
    "churn_risk_users": "select * from kpi.kpi_user_profile where churn_risk order by activity_score desc limit 100",
    "segment_sizes": "select segment, count(*) from kpi.kpi_user_profile group by segment",
    "one_user": "select * from kpi.kpi_user_profile where user_id = 'u4242'",
    "retention_curve": "select * from kpi.kpi_retention_curve where day_number in (1, 7, 30) order by signup_date",
}


def p95_ms(url: str, repeats: int = 20) -> float:
    timings = []
    with connect(url) as conn:
        for query in (*QUERIES.values(), *DASHBOARD_QUERIES.values()):
            conn.execute(query).fetchall()
            for _ in range(repeats):
                started = time.perf_counter()
                conn.execute(query).fetchall()
                timings.append((time.perf_counter() - started) * 1000)
    return statistics.quantiles(timings, n=20)[-1]
