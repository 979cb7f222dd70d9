"""`held` and `release PATH --reason ...`: the files the raw gate held back from the marts, and letting one in."""

from __future__ import annotations

import argparse
import getpass
from datetime import UTC, datetime
from pathlib import Path

from metrics_warehouse.contracts import SOURCES
from metrics_warehouse.ingest.landing import relative_name
from metrics_warehouse.quality import release
from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse.connection import apply_ddl


def add_parsers(sub: argparse._SubParsersAction, warehouse_url) -> None:
    """`held` and `release`; `warehouse_url()` is a context manager giving the warehouse's URL."""
    held = sub.add_parser("held", help="the files the raw gate held back from the marts, with the failed checks")
    held.set_defaults(func=lambda args: _held(warehouse_url))
    parser = sub.add_parser(
        "release",
        help="let a held file into the marts with the next run (who, when, why and the hold are kept)",
        description="Clear the hold of a file the raw gate held back; the next run's dbt build includes it, the "
        "file_held alert recovers, and ops.file_releases keeps who released it, when, why and what the hold was.",
    )
    parser.add_argument("path", help="the file as `held` lists it (relative to the landing root), or its full path")
    parser.add_argument("--reason", required=True, help="why its rows may go in (kept with the release)")
    parser.add_argument("--by", default=getpass.getuser(), help="who releases it (default: the OS user)")
    parser.add_argument(
        "--recheck",
        action="store_true",
        help="run the source's raw checks on the file again first (after an expectation was fixed) and release it "
        "only if no critical check fails",
    )
    parser.set_defaults(func=lambda args: _release(args, warehouse_url))


def _held(warehouse_url) -> int:
    with warehouse_url() as url:
        apply_ddl(url)
        files = release.held_files(url)
    if not files:
        print("no file is held back from the marts")
    for f in files:
        print(f"{f.path}\tdelivery {f.delivery_date}\theld since {f.held_since:%Y-%m-%d %H:%M %Z}\t{f.held_because}")
    return 0


def _release(args: argparse.Namespace, warehouse_url) -> int:
    path = _ledger_path(args.path)
    with warehouse_url() as url:
        apply_ddl(url)
        try:
            if args.recheck:
                run_id = f"recheck__{datetime.now(UTC):%Y-%m-%dT%H:%M:%S}"
                done = release.recheck(url, path, reason=args.reason, by=args.by, run_id=run_id)
            else:
                done = release.release(url, path, reason=args.reason, by=args.by)
        except release.NotReleased as refused:
            print(refused)
            return 1
    for r in done:
        print(f"released {r.path} (held because {r.held_because}) by {r.released_by}: the next run's build includes it")
    return 0


def _ledger_path(given: str) -> str:
    """The path as the ledger has it: a full path under the landing root loses the root."""
    path, root = Path(given), load_settings().landing_dir
    if path.is_absolute() and path.is_relative_to(root.absolute()):
        return relative_name(path, root.absolute())
    if path.parts and path.parts[0] not in SOURCES and path.absolute().is_relative_to(root.absolute()):
        return relative_name(path.absolute(), root.absolute())
    return path.as_posix()
