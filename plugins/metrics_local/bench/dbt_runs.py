"""dbt benchmarks on synthetic history (bench/synthetic.py):

- incremental: the daily incremental run with 30 and with 180 days of history already loaded (same day size);
  the goal is that history does not matter (ratio <= 1.2);
- kpi: the KPI layer's build time on 1M and on 10M events; the goal is near-linear growth (10M <= 12x the 1M time).
"""

from __future__ import annotations

import argparse
import time
from datetime import date

from metrics_local.bench.synthetic import load_days
from metrics_local.scratch import scratch_database, server
from metrics_warehouse.dbt_cli import run_dbt
from metrics_warehouse.settings import BENCH_SERVER_URL, VAR_DIR

START = date(2026, 1, 1)


def dbt(url: str, *args: str) -> float:
    """Run a dbt command against `url`; returns its wall time in seconds."""
    started = time.perf_counter()
    run_dbt(url, *args, "--target-path", str(VAR_DIR / "bench" / "dbt_target"), "--quiet")
    return time.perf_counter() - started


def incremental_run(server_url: str, history_days: int, events_per_day: int, users: int) -> float:
    total_days = history_days + 1
    with scratch_database(server_url, f"mw_bench_incr_{history_days}") as url:
        load_days(
            url,
            start=START,
            days=total_days,
            first_day=0,
            count=history_days,
            events_per_day=events_per_day,
            users=users,
        )
        dbt(url, "seed")
        dbt(url, "run", "--exclude", "path:models/kpi")
        load_days(
            url,
            start=START,
            days=total_days,
            first_day=history_days,
            count=1,
            events_per_day=events_per_day,
            users=users,
        )
        return dbt(url, "run", "--select", "config.materialized:incremental")


def kpi_build(server_url: str, events: int, days: int, users: int) -> float:
    with scratch_database(server_url, f"mw_bench_kpi_{events}") as url:
        load_days(url, start=START, days=days, first_day=0, count=days, events_per_day=events // days, users=users)
        dbt(url, "seed")
        dbt(url, "run", "--exclude", "path:models/kpi")
        return dbt(url, "run", "--select", "path:models/kpi")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events-per-day", type=int, default=20_000)
    parser.add_argument("--kpi-sizes", type=int, nargs=2, default=(1_000_000, 10_000_000))
    args = parser.parse_args(argv)
    with server(BENCH_SERVER_URL) as server_url:
        report(server_url, args.events_per_day, args.kpi_sizes)


def report(server_url: str, events_per_day: int, kpi_sizes: tuple[int, int]) -> None:
    short = incremental_run(server_url, 30, events_per_day, users=50_000)
    long = incremental_run(server_url, 180, events_per_day, users=50_000)
    print(f"\nincremental daily run ({events_per_day:,} events/day)")
    print(f"  with  30 days of history   {short:7.1f} s")
    print(f"  with 180 days of history   {long:7.1f} s")
    print(f"  ratio 180d / 30d           {long / short:7.2f}   (goal <= 1.2)")

    small, large = kpi_sizes
    small_time = kpi_build(server_url, small, days=90, users=max(5_000, small // 100))
    large_time = kpi_build(server_url, large, days=90, users=max(5_000, large // 100))
    print("\nKPI layer build (dbt run --select path:models/kpi)")
    print(f"  {small:>12,} events       {small_time:7.1f} s")
    print(f"  {large:>12,} events       {large_time:7.1f} s")
    print(
        f"  ratio                      {large_time / small_time:7.2f}   for {large / small:.0f}x the events (goal <= 12)"
    )


if __name__ == "__main__":
    main()
