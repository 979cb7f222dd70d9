"""dbt benchmarks on synthetic history (bench/synthetic.py):

- daily: the whole daily `dbt build` (every model, facts to KPI layer, and its tests) after one new day, on a warehouse
  with 30 and one with 180 days of history built (same day size), timed side by side; the goal is that history does not
  matter (ratio <= 1.2). The nodes whose time grows most with history are listed (dbt's run_results.json);
- kpi: the KPI layer's build time on 1M and on 10M events; the goal is near-linear growth (10M <= 12x the 1M time);
- BI latency: the report's and the dashboard's queries on the 10M warehouse (p95 <= 50 ms).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import time
from datetime import date
from pathlib import Path
from typing import NamedTuple

from metrics_local.bench import bi_queries
from metrics_local.bench.synthetic import load_days
from metrics_local.scratch import scratch_database, server
from metrics_warehouse.dbt.command import run_dbt
from metrics_warehouse.settings import BENCH_SERVER_URL, VAR_DIR

START = date(2026, 1, 1)
TARGET = VAR_DIR / "bench" / "dbt_target"


class DailyRun(NamedTuple):
    seconds: float
    nodes: dict[str, float]


def dbt(url: str, *args: str, target: Path = TARGET) -> float:
    """Run a dbt command against `url`; returns its wall time in seconds."""
    started = time.perf_counter()
    run_dbt(url, *args, "--target-path", str(target), "--quiet")
    return time.perf_counter() - started


def node_seconds(target: Path) -> dict[str, float]:
    """Execution time of every node of the last dbt command written to `target`."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    return {result["unique_id"]: result["execution_time"] for result in results}


def daily_runs(server_url: str, histories: tuple[int, ...], events_per_day: int, users: int) -> dict[int, DailyRun]:
    """Each history loaded and built in its own database first, then one new day delivered to each and the daily
    build timed, back to back."""
    with contextlib.ExitStack() as stack:
        urls = {}
        for days in histories:
            url = urls[days] = stack.enter_context(scratch_database(server_url, f"mw_bench_daily_{days}"))
            load_days(
                url, start=START, days=days + 1, first_day=0, count=days, events_per_day=events_per_day, users=users
            )
            dbt(url, "seed")
            dbt(url, "run")
        runs = {}
        for days, url in urls.items():
            load_days(
                url, start=START, days=days + 1, first_day=days, count=1, events_per_day=events_per_day, users=users
            )
            target = TARGET.with_name(f"dbt_target_daily_{days}")
            runs[days] = DailyRun(dbt(url, "build", target=target), node_seconds(target))
        return runs


def kpi_build(server_url: str, events: int, days: int, users: int) -> tuple[float, float]:
    """The KPI layer's build time, and the BI queries' p95 in ms on the warehouse built."""
    with scratch_database(server_url, f"mw_bench_kpi_{events}") as url:
        load_days(url, start=START, days=days, first_day=0, count=days, events_per_day=events // days, users=users)
        dbt(url, "seed")
        dbt(url, "run", "--exclude", "path:models/kpi")
        seconds = dbt(url, "run", "--select", "path:models/kpi")
        return seconds, bi_queries.p95_ms(url)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events-per-day", type=int, default=20_000)
    parser.add_argument("--kpi-sizes", type=int, nargs=2, default=(1_000_000, 10_000_000))
    args = parser.parse_args(argv)
    with server(BENCH_SERVER_URL) as server_url:
        return report(server_url, args.events_per_day, args.kpi_sizes)


def report(server_url: str, events_per_day: int, kpi_sizes: tuple[int, int]) -> dict[str, float]:
    runs = daily_runs(server_url, (30, 180), events_per_day, users=50_000)
    short, long = runs[30].seconds, runs[180].seconds
    print(f"\ndaily dbt build of every model and test after one new day ({events_per_day:,} events/day)")
    print(f"  with  30 days of history   {short:7.1f} s")
    print(f"  with 180 days of history   {long:7.1f} s")
    print(f"  ratio 180d / 30d           {long / short:7.2f}   (goal <= 1.2)")
    growth = sorted(runs[180].nodes, key=lambda node: runs[30].nodes.get(node, 0) - runs[180].nodes[node])
    print("  nodes growing most with history (30d -> 180d):")
    for node in growth[:8]:
        print(
            f"    {node.split('.', 2)[-1]:<60} {runs[30].nodes.get(node, 0):6.1f} s -> {runs[180].nodes[node]:6.1f} s"
        )

    small, large = kpi_sizes
    small_time, _ = kpi_build(server_url, small, days=90, users=max(5_000, small // 100))
    large_time, bi_p95 = kpi_build(server_url, large, days=90, users=max(5_000, large // 100))
    print("\nKPI layer build (dbt run --select path:models/kpi)")
    print(f"  {small:>12,} events       {small_time:7.1f} s")
    print(f"  {large:>12,} events       {large_time:7.1f} s")
    print(
        f"  ratio                      {large_time / small_time:7.2f}   for {large / small:.0f}x the events (goal <= 12)"
    )
    print(f"\nBI queries on the {large:,}-event warehouse: p95 {bi_p95:.1f} ms (goal <= 50 ms)")
    return {
        "daily_run_30d_s": short,
        "daily_run_180d_s": long,
        "daily_run_ratio_180_30": long / short,
        "kpi_build_small_s": small_time,
        "kpi_build_large_s": large_time,
        "bi_query_p95_ms": bi_p95,
    }


if __name__ == "__main__":
    main()
