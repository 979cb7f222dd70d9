"""The BI queries `make bench` times (the report's and the dashboard's reads of the kpi schema) run on the pipeline's
warehouse and stay far below the 50 ms p95 goal at this size."""

from __future__ import annotations

from metrics_local.bench import bi_queries


def test_bi_queries_answer_within_the_goal(pipeline) -> None:
    assert bi_queries.p95_ms(pipeline.url, repeats=5) <= 50
