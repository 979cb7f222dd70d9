"""The bench's own figures: ratios of each contender's median round, and peak memory that is the process's own."""

from __future__ import annotations

import subprocess
import sys

from metrics_local.bench.ingest import Figure, report
from metrics_local.bench.memory import PeakMemory


def _figure(name: str, rows_per_second: float) -> Figure:
    return Figure(name, 1_000_000, 1_000_000 / rows_per_second, 325.0, 60.0)


def test_ratios_are_of_the_median_rounds() -> None:
    rounds = {
        "jsonb_copy": (150_000, 200_000, 260_000),
        "jsonb_copy_logged": (180_000, 170_000, 160_000),
        "raw_events_copy": (190_000, 185_000, 180_000),
        "loader": (90_000, 130_000, 100_000),
    }
    figures = [_figure(name, rates[i]) for i in range(3) for name, rates in rounds.items()]
    figures += [_figure(name, rate) for name, rate in (("pandas", 5_000), ("dlt", 4_000))]
    figures += [_figure("files_pool", 100_000), _figure("files_1_worker", 80_000)]
    figures_out = report(figures)
    assert figures_out["loader_rows_per_s"] == 100_000
    assert figures_out["jsonb_copy_rows_per_s"] == 200_000
    assert figures_out["loader_vs_jsonb_copy"] == 0.5
    assert figures_out["loader_vs_jsonb_copy_logged"] == 100_000 / 170_000
    assert figures_out["loader_vs_raw_events_copy"] == 100_000 / 185_000
    assert figures_out["raw_events_copy_vs_jsonb_copy"] == 185_000 / 200_000
    assert figures_out["loader_vs_pandas"] == 20.0
    assert round(figures_out["files_pool_speedup"], 9) == 1.25


def test_a_contenders_peak_rss_is_its_own_not_its_parents() -> None:
    """ru_maxrss would read at least the 300 MB this test holds: a forked child starts with the parent's memory."""
    held = bytearray(300 << 20)
    held[::4096] = b"\x01" * len(held[::4096])  # touched: resident
    script = "from metrics_local.bench.memory import peak_rss_kb; print(peak_rss_kb())"
    child = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(child.stdout) < 150 << 10


def test_the_e2e_bench_finds_the_largest_process_of_a_run_even_between_readings() -> None:
    """A grandchild holds 200 MB for a moment and frees it; its VmHWM keeps the peak for the next reading."""
    grandchild = "b = bytearray(200 << 20); b[::4096] = b'\\x01' * len(b[::4096]); del b; import time; time.sleep(1.5)"
    script = f"import subprocess, sys; subprocess.run([sys.executable, '-c', {grandchild!r}])"
    run = subprocess.Popen([sys.executable, "-c", script])
    with run, PeakMemory(run.pid) as memory:
        run.wait()
    assert memory.largest_mb > 200
    assert "-c b = bytearray" in memory.largest_command
    assert memory.tree_mb > 0
