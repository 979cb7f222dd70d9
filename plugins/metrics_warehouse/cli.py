"""Command line: `python -m metrics_warehouse <command>` (the Makefile's targets call these)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
from datetime import UTC, date, datetime

from metrics_warehouse.airflow_runner import AIRFLOW_HOME
from metrics_warehouse.alerting import cli as alerts_cli
from metrics_warehouse.dbt_cli import run_dbt
from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse import connection, embedded
from metrics_warehouse.warehouse.bi_access import grant_bi_access
from metrics_warehouse.warehouse.target import warehouse


def _dbt_env(args: argparse.Namespace) -> int:
    """Run a command (dbt, sqlfluff) with the dbt profile's variables set from the warehouse URL."""
    settings = load_settings()
    command = [a for a in args.command if a != "--"]
    with warehouse(settings) as url:
        connection.ensure_database(url)  # dbt and sqlfluff's dbt templater connect to it
        return subprocess.call(command, env={**os.environ, **connection.dbt_env(url)})


def _backfill(args: argparse.Namespace) -> int:
    """Rebuild the incremental facts for an event-date range, then everything downstream of them."""
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    if start > end:
        raise SystemExit(f"backfill: START {start} is after END {end}")
    selection = ["--select", "config.materialized:incremental+"]
    backfill_vars = ["--vars", f"{{backfill_start: '{start}', backfill_end: '{end}'}}"]
    with warehouse(load_settings()) as url:
        return run_dbt(url, "build", *selection, *backfill_vars, check=False).returncode


def _warehouse(args: argparse.Namespace) -> int:
    if args.action == "start":
        url, _ = embedded.start()
        connection.prepare(url)
        print(url)
    elif args.action == "prepare":
        with warehouse(load_settings()) as url:
            connection.prepare(url)
            grant_bi_access(url, password=os.environ.get("METRICS_BI_PASSWORD"))
    else:
        print("stopped" if embedded.stop() else "not running")
    return 0


def _run_pipeline(url: str) -> int:
    """The main DAG end to end, then the alert rules once, so their alerts are in ops.alerts on return."""
    from metrics_warehouse import airflow_runner
    from metrics_warehouse.alerting.engine import evaluate

    connection.prepare(url)
    code = airflow_runner.test_dag(url)
    outcomes = evaluate(url, now=datetime.now(UTC))
    print(
        f"metrics_pipeline: {'succeeded' if code == 0 else 'FAILED'}; alert rules evaluated: {len(outcomes)} alert(s)"
    )
    return code


def _run(args: argparse.Namespace) -> int:
    with warehouse(load_settings()) as url:
        return _run_pipeline(url)


def _demo(args: argparse.Namespace) -> int:
    from metrics_warehouse.reporting.summary import print_summary
    from metrics_warehouse.sample import generate

    settings = load_settings()
    print(generate(settings.landing_dir, days=args.days, users=args.users).line())
    with warehouse(settings) as url:
        code = _run_pipeline(url)
        if code == 0:
            print_summary(url, settings)
        else:
            print(f"The pipeline failed: the failed task's log is above; airflow's metadata is in {AIRFLOW_HOME}.")
    return code


def _airflow(args: argparse.Namespace) -> int:
    from metrics_warehouse import airflow_runner

    with warehouse(load_settings()) as url:
        connection.prepare(url)
        return airflow_runner.standalone(url)


def _exit_on_signal(signum: int, _frame) -> None:
    # SIGTERM and SIGHUP end the command like Ctrl-C does: cleanup (stopping the embedded server) runs.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    parser = argparse.ArgumentParser(prog="metrics_warehouse")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("dbt-env", help="run a command with the dbt profile variables set")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=_dbt_env)
    p = sub.add_parser("backfill", help="rebuild the incremental facts for START..END (business dates)")
    p.add_argument("--start", required=True)
    p.add_argument("--end", required=True)
    p.set_defaults(func=_backfill)
    p = sub.add_parser("warehouse", help="start or stop the embedded PostgreSQL")
    p.add_argument("action", choices=["start", "stop", "prepare"])
    p.set_defaults(func=_warehouse)
    sub.add_parser("run", help="process what is new in the landing zone through the DAGs").set_defaults(func=_run)
    p = sub.add_parser("demo", help="sample landing zone, the DAGs end to end, a KPI summary")
    p.add_argument("--days", type=int, default=60, help="days of sample data")
    p.add_argument("--users", type=int, default=3000, help="users in the sample")
    p.set_defaults(func=_demo)
    sub.add_parser("airflow", help="the Airflow UI with the project's DAGs").set_defaults(func=_airflow)
    alerts_cli.add_parser(sub, lambda: warehouse(load_settings()))
    args = parser.parse_args(argv)
    return args.func(args)
