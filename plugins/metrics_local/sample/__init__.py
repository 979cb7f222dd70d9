"""Sample data: a realistic landing zone (with planted dirt and alert scenarios) for demos, tests and benchmarks.

from metrics_local.sample import generate
summary = generate(Path("data/landing"), seed=42, days=60, users=3000, clean=False, plant=("volume_drop",))
summary.defects  # every planted defect: source, path, line/record, kind, reason code, outcome
"""

from metrics_local.sample.bench import BenchSummary, write_bench_events
from metrics_local.sample.generate import Defect, Summary, generate
from metrics_local.sample.problems import PROBLEMS

__all__ = ["PROBLEMS", "BenchSummary", "Defect", "Summary", "generate", "write_bench_events"]
