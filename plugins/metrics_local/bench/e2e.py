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
import threading
import time
from collections import Counter
from pathlib import Path

import psutil

from metrics_local.bench import bi_queries
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


class PeakMemory:
    """The run's processes' peak RSS, read every half second from each one's VmHWM (its own high-water mark since
    exec, so a spike between two readings still counts while the process lives): the largest process's, with its
    command, and the largest sum over the tree at one reading."""

    def __init__(self, pid: int) -> None:
        self.largest_mb, self.largest_command, self.tree_mb = 0.0, "", 0.0
        self._root, self._done = psutil.Process(pid), threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _watch(self) -> None:
        while not self._done.wait(0.5):
            try:
                tree = [self._root, *self._root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0.0
            for proc in tree:
                try:
                    peak = _vm_hwm_mb(proc.pid)
                    total += proc.memory_info().rss / 2**20
                    if peak > self.largest_mb:
                        self.largest_mb, self.largest_command = peak, " ".join(proc.cmdline()[1:4])
                except (psutil.NoSuchProcess, FileNotFoundError, ProcessLookupError):
                    continue
            self.tree_mb = max(self.tree_mb, total)


def _vm_hwm_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024


def run(landing: Path, url: str, root: Path) -> tuple[float, Counter[str], PeakMemory]:
    """One pipeline run: wall seconds, seconds per stage, its processes' peak memory."""
    env = run_env(landing, url, root)
    stages: Counter[str] = Counter()
    started = time.perf_counter()
    command = [sys.executable, "-m", "metrics_local", "run"]
    with subprocess.Popen(command, env=env, cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True) as process:
        memory = PeakMemory(process.pid)
        for line in process.stdout:
            print(f"    {line}", end="")
            if match := PROGRESS.match(line):
                stages[match["stage"].strip()] += int(match["seconds"])
    memory.stop()
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
