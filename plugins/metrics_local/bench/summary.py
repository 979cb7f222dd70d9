"""var/bench/summary.json: one key per figure of `make bench`; a figure not measured is null, with the reason in
`not_measured`."""

from __future__ import annotations

import json
from pathlib import Path

from metrics_warehouse.settings import VAR_DIR

SUMMARY = VAR_DIR / "bench" / "summary.json"
GOALS = {
    "noop_run_s": "a run with nothing new, end to end: <= 20 s",
    "one_day_run_s": "a run with one new day at demo scale: <= 60 s",
    "loader_vs_jsonb_copy": "loader rows/s over jsonb COPY rows/s of the same file: >= 0.9",
    "loader_peak_rss_mb": "loader peak RSS: <= 300 MB",
    "daily_run_ratio_180_30": "daily dbt build (every model and test) with 180 days of history over 30 days: <= 1.2",
    "e2e_10m_s": "10M events end to end (ingest, dbt, gates, report): <= 600 s",
    "bi_query_p95_ms": "report and dashboard queries on the 10M warehouse, p95: <= 50 ms",
}


def write(figures: dict[str, float], not_measured: dict[str, str] | None = None, path: Path = SUMMARY) -> Path:
    """Every figure of GOALS (null when absent, with its reason), then any other figure measured."""
    missing = {
        key: (not_measured or {}).get(key, "not measured in this run") for key in GOALS if figures.get(key) is None
    }
    summary = {
        **{key: figures.get(key) for key in GOALS},
        **{key: value for key, value in figures.items() if key not in GOALS},
        "goals": GOALS,
        "not_measured": missing,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n")
    return path
