"""10M events end to end: the demo sample plus ten 1M-line event files, one `python -m metrics_local run` on a new
database (ingest, gates, dbt, KPI checks, report and alerts), each stage's time and the peak memory of the run's
processes; then the report's and the dashboard's queries on the warehouse it built (p95, bench/bi_queries.py).

Goal: <= 600 s end to end on 2 cores. A stage's time is the sum of its tasks' times (the run's progress lines);
"airflow" is the rest: start-up, parsing and scheduling. Peak memory: the largest of the run's processes, and the
run's processes together (the PostgreSQL server is not one of them).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from metrics_local.bench import bi_queries
from metrics_local.bench.memory import PeakMemory
from metrics_local.bench.runs import run_env
from metrics_local.sample import generate
from metrics_local.sample.bench import write_bench_events
from metrics_local.scratch import scratch_database, server
from metrics_warehouse.settings import BENCH_SERVER_URL, PROJECT_ROOT, VAR_DIR

DELIVERY = "2026-11-15"  # the sample's last day: the bench files' events lie in the 30 days before it
# "[ 7/61] gates      check_raw_events      ok (12s)": the stage and the task's seconds
PROGRESS = re.compile(r"^\s*\[\s*\d+/\d+\]\s+(?P<stage>.{10})\s+\S+\s+ok \((?P<seconds>\d+)s\)")


def landing(root: Path, files: int, lines: int) -> Path:
    """The demo sample with `files` event files of `lines` lines added (written once, kept for the next bench)."""
    landing = root / f"landing-{files}x{lines}"
    if not (landing / ".complete").exists():
        generate(landing, progress=False)
        for number in range(files):
            write_bench_events(landing / "events" / DELIVERY / f"bench-{number:02}.jsonl", lines, seed=number)
        (landing / ".complete").touch()
    return landing


def run(landing: Path, url: str, root: Path) -> tuple[float, Counter[str], PeakMemory]:
    """One pipeline run: wall seconds, seconds per stage, its processes' peak memory."""
    env = run_env(landing, url, root)
    stages: Counter[str] = Counter()
    started = time.perf_counter()
    command = [sys.executable, "-m", "metrics_local", "run"]
    process = subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True)
    with process, PeakMemory(process.pid) as memory:
        for line in process.stdout:
            print(f"    {line}", end="")
            if match := PROGRESS.match(line):
                stages[match["stage"].strip()] += int(match["seconds"])
        process.wait()
    elapsed = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"the 10M run failed: its log is under {root / 'var' / 'logs'}")
    stages["airflow"] = max(0.0, elapsed - sum(stages.values()))
    return elapsed, stages, memory


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=10)
    parser.add_argument("--lines", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    root = VAR_DIR / "bench" / "e2e"
    zone = landing(root, args.files, args.lines)
    with server(BENCH_SERVER_URL) as server_url, scratch_database(server_url, "mw_bench_e2e") as url:
        elapsed, stages, memory = run(zone, url, root)
        p95 = bi_queries.p95_ms(url)
    events = args.files * args.lines
    print(f"\n{events:,} events (+ the demo sample) end to end: {elapsed:.0f} s (goal <= 600 s)")
    for stage, seconds in stages.most_common():
        print(f"  {stage:<12}{seconds:7.0f} s")
    print(f"  peak RSS of the run's largest process: {memory.largest_mb:.0f} MB ({memory.largest_command})")
    print(f"  peak RSS of the run's processes together: {memory.tree_mb:.0f} MB")
    print(f"  BI queries on its warehouse: p95 {p95:.1f} ms (goal <= 50 ms)")
    return {
        "e2e_10m_s": elapsed,
        **{f"e2e_10m_{stage.replace(' ', '_').lower()}_s": float(s) for stage, s in stages.items()},
        "e2e_10m_peak_rss_mb": memory.largest_mb,
        "e2e_10m_processes_peak_rss_mb": memory.tree_mb,
        "e2e_10m_bi_query_p95_ms": p95,
    }


if __name__ == "__main__":
    main()
