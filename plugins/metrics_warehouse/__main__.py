"""`python -m metrics_warehouse prepare | alerts | held | release ...` on METRICS_WAREHOUSE_URL (a team deployment's
commands; local commands are in `python -m metrics_local`, which offers held and release too).

prepare   create the database objects ingestion owns and the read-only BI role (the deployment's init step)
alerts    acknowledge / resolve alerts with their root cause, their statistics, the daily digest (运营日报)
held      the files the raw quality gate held back from the marts, with the checks they failed
release   let a held file into the marts with the next run (--reason; kept in ops.file_releases)
"""

from __future__ import annotations

import argparse
import contextlib

from metrics_warehouse.alerting import cli as alerts_cli
from metrics_warehouse.quality import cli as quality_cli
from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse import connection
from metrics_warehouse.warehouse.bi_access import grant_bi_access


def _warehouse_url() -> contextlib.AbstractContextManager[str]:
    url = load_settings().warehouse_url
    if not url:
        raise SystemExit(
            "METRICS_WAREHOUSE_URL is not set (on this machine, `python -m metrics_local` runs the same commands on the "
            "embedded warehouse of `make demo`)"
        )
    return contextlib.nullcontext(url)


def _prepare(args: argparse.Namespace) -> int:
    with _warehouse_url() as url:
        connection.prepare(url)
        grant_bi_access(url, password=load_settings().bi_password)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m metrics_warehouse", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("prepare", help="database objects and the BI role").set_defaults(func=_prepare)
    alerts_cli.add_parser(sub, _warehouse_url)
    quality_cli.add_parsers(sub, _warehouse_url)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    raise SystemExit(main())
