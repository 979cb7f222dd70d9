"""Pipeline runs at demo scale (`python -m metrics_local run`, the path of `make run`):

- noop: a run with nothing new in the landing zone (goal <= 20 s end to end);
- one_day: a run with one new delivery day in every source (goal <= 60 s).

The sample's last delivery day is held back for the first run, then delivered for the measured one-day run.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from metrics_local.sample import generate
from metrics_local.scratch import scratch_database, server
from metrics_warehouse.settings import BENCH_SERVER_URL, PROJECT_ROOT


def _hold_back_last_day(landing: Path, held: Path) -> None:
    """Move the latest delivery date of every source out of the landing zone into `held`."""
    sources = [path for path in landing.iterdir() if path.is_dir()]
    last = max(day.name for source in sources for day in source.iterdir())
    for source in sources:
        if (source / last).exists():
            (held / source.name).mkdir(parents=True)
            (source / last).rename(held / source.name / last)


def _deliver(held: Path, landing: Path) -> None:
    for source in held.iterdir():
        for day in source.iterdir():
            day.rename(landing / source.name / day.name)


def run_env(landing: Path, url: str, root: Path) -> dict[str, str]:
    """The environment of a benchmarked `python -m metrics_local run`: its own report, var and Airflow folders."""
    return {
        **os.environ,
        "METRICS_LANDING_DIR": str(landing),
        "METRICS_WAREHOUSE_URL": url,
        "METRICS_REPORT_DIR": str(root / "report"),
        "METRICS_VAR_DIR": str(root / "var"),
        "AIRFLOW_HOME": str(root / "var" / "airflow"),
    }


def timed_run(env: dict[str, str]) -> float:
    """One `python -m metrics_local run`; its wall time in seconds (a failed run fails the benchmark)."""
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "metrics_local", "run"], env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"pipeline run failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return elapsed


def measure(server_url: str, days: int, users: int) -> dict[str, float]:
    with (
        tempfile.TemporaryDirectory(prefix="mw-bench-runs-") as tmp,
        scratch_database(server_url, "mw_bench_runs") as url,
    ):
        root = Path(tmp)
        landing, held = root / "landing", root / "held"
        generate(landing, days=days, users=users, progress=False)
        _hold_back_last_day(landing, held)
        env = run_env(landing, url, root)
        first = timed_run(env)
        noop = timed_run(env)
        _deliver(held, landing)
        one_day = timed_run(env)
        shutil.rmtree(root / "var", ignore_errors=True)
    return {"first_run_s": first, "noop_run_s": noop, "one_day_run_s": one_day}


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--users", type=int, default=3000)
    args = parser.parse_args(argv)
    with server(BENCH_SERVER_URL) as server_url:
        figures = measure(server_url, args.days, args.users)
    print(f"\npipeline runs (sample of {args.days} days, {args.users:,} users; `python -m metrics_local run`)")
    print(f"  first run (all but the last day)  {figures['first_run_s']:7.1f} s")
    print(f"  nothing new                       {figures['noop_run_s']:7.1f} s   (goal <= 20 s)")
    print(f"  one new day                       {figures['one_day_run_s']:7.1f} s   (goal <= 60 s)")
    return figures


if __name__ == "__main__":
    main()
