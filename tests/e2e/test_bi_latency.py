"""The BI queries `make bench` times (the report's and the dashboard's reads of the kpi schema) run on the pipeline's
warehouse, return rows, and stay far below the 50 ms p95 goal at this size."""

from __future__ import annotations

import psycopg

from metrics_warehouse.bench import bi_queries


def test_bi_queries_answer_within_the_goal(pipeline) -> None:
    with psycopg.connect(pipeline.url) as conn:
        for name, query in bi_queries.DASHBOARD_QUERIES.items():
            if name != "one_user":
                assert conn.execute(query).fetchall(), f"{name} returned nothing"
    assert bi_queries.p95_ms(pipeline.url, repeats=5) <= 50
