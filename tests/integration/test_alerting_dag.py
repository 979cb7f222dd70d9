"""The metrics_checks DAG end to end (`airflow dags test`) against a real warehouse: it raises the stale-source alert."""

from __future__ import annotations

import psycopg

from metrics_local.airflow_runner import test_dag as run_dag

LEDGER = """
insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
    records_read, records_loaded, started_at, finished_at)
select 'load', source, source || '/' || day::date || '/part.csv', day, md5(source || day), 1, 'loaded', 1, 1, now(), now()
from unnest(array['events', 'feedback']) as source,
    generate_series(date '2026-11-01', date '2026-11-15', interval '1 day') as day
where source = 'events' or day < '2026-11-11'
"""


def test_metrics_checks_dag_alerts_a_stale_source(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute(LEDGER)

    assert run_dag(pg_url, "metrics_checks") == 0

    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "select rule, kind, subject, value, owner, channel from ops.alerts order by alert_id"
        ).fetchall()
        state = conn.execute("select rule, subject, status from ops.alert_state").fetchall()
    assert rows == [
        ("source_stale", "alert", "feedback", "5", "data_engineering", "slack"),
        ("source_stale", "alert", "feedback", "5", "data_engineering", "email"),
    ]
    assert state == [("source_stale", "feedback", "open")]
