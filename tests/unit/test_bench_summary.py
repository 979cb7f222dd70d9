"""var/bench/summary.json: every goal's figure has a key; one not measured is null, with its reason."""

from __future__ import annotations

import json

from metrics_local.bench import summary


def test_summary_has_every_figure_and_says_why_one_is_missing(tmp_path) -> None:
    path = summary.write(
        {"noop_run_s": 12.5, "loader_vs_jsonb_copy": 0.71, "loader_rows_per_s": 120_000.0},
        {"e2e_10m_s": "not run here"},
        tmp_path / "summary.json",
    )
    written = json.loads(path.read_text())
    assert set(summary.GOALS) <= set(written)
    assert written["noop_run_s"] == 12.5 and written["loader_rows_per_s"] == 120_000.0
    assert written["e2e_10m_s"] is None and written["not_measured"]["e2e_10m_s"] == "not run here"
    assert written["bi_query_p95_ms"] is None and written["not_measured"]["bi_query_p95_ms"]
    assert "noop_run_s" not in written["not_measured"]
