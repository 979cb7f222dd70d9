"""Write the sample landing zone (or, with --bench-events N --out FILE, one big events file for the benchmark)."""

from __future__ import annotations

import argparse
from datetime import date
from pathlib import Path

from metrics_local.sample import PROBLEMS, generate, write_bench_events
from metrics_warehouse.settings import load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics_local.sample", description=__doc__)
    parser.add_argument("--out", type=Path, help="landing root (default: METRICS_LANDING_DIR, else data/landing)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--end-date", type=date.fromisoformat, default=date(2026, 11, 15))
    parser.add_argument("--clean", action="store_true", help="no planted defects: a clean, well-formed zone")
    problems = "; ".join(f"{name}: {what}" for name, what in PROBLEMS.items())
    parser.add_argument("--plant", action="append", default=[], choices=sorted(PROBLEMS), metavar="PROBLEM",
                        help=f"plant an alert scenario (repeatable) - {problems}".replace("%", "%%"))  # fmt: skip
    parser.add_argument("--bench-events", type=int, metavar="N", help="write one events file of N lines to --out FILE")
    parser.add_argument("--no-progress", action="store_true")
    args = parser.parse_args(argv)
    if args.bench_events is not None:
        if args.out is None:
            parser.error("--bench-events needs --out FILE")
        bench = write_bench_events(args.out, args.bench_events, seed=args.seed, end_date=args.end_date)
        bad = ", ".join(f"{reason} {n}" for reason, n in bench.bad.items())
        print(f"bench events: {bench.lines:,} lines ({bad}), {bench.size_bytes / 1e6:.1f} MB → {bench.path}")
        return 0
    out = args.out or load_settings().landing_dir
    summary = generate(out, seed=args.seed, days=args.days, users=args.users, end_date=args.end_date,
                       clean=args.clean, plant=args.plant, progress=not args.no_progress)  # fmt: skip
    print(summary.line())
    return 0


raise SystemExit(main())
