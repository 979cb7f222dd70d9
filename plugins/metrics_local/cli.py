"""Command line for local work: `python -m metrics_local <command>` (the Makefile's targets call these)."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
from datetime import date, datetime
from pathlib import Path

from metrics_local import embedded, spark_cluster
from metrics_local.airflow_runner import AIRFLOW_HOME, MAIN_DAG
from metrics_local.target import pipeline_target, warehouse
from metrics_warehouse.alerting import cli as alerts_cli
from metrics_warehouse.dbt.command import run_dbt
from metrics_warehouse.quality import cli as quality_cli
from metrics_warehouse.settings import VAR_DIR, load_settings
from metrics_warehouse.warehouse import connection


def _dbt_env(args: argparse.Namespace) -> int:
    """Run a command (dbt, sqlfluff) with the dbt profile's variables set from the warehouse URL."""
    settings = load_settings()
    command = [a for a in args.command if a != "--"]
    with pipeline_target(settings) as url:
        connection.ensure_database(url)  # dbt connects to it
        return subprocess.call(command, env={**os.environ, **connection.dbt_env(url)})


def _backfill(args: argparse.Namespace) -> int:
    """Rebuild the incremental facts for an event-date range, then everything downstream of them."""
    start, end = date.fromisoformat(args.start), date.fromisoformat(args.end)
    if start > end:
        raise SystemExit(f"backfill: START {start} is after END {end}")
    # The unit tests check the models' logic on fixed rows in every run; under a backfill's vars they would check a
    # window their expected rows were not written for.
    selection = ["--select", "config.materialized:incremental+", "--exclude-resource-type", "unit_test"]
    backfill_vars = ["--vars", f"{{backfill_start: '{start}', backfill_end: '{end}'}}"]
    with pipeline_target(load_settings()) as url:
        return run_dbt(url, "build", *selection, *backfill_vars, check=False).returncode


def _warehouse(args: argparse.Namespace) -> int:
    if args.action == "start":
        url, _ = embedded.start()
        connection.prepare(url)
        print(url)
    else:
        print("stopped" if embedded.stop() else "not running")
    return 0


def _spark(args: argparse.Namespace) -> int:
    cluster = spark_cluster.local_cluster()
    if args.action == "start":
        try:
            url, _ = cluster.start()
        except spark_cluster.SparkClusterError as error:
            raise SystemExit(f"spark start: {error}") from None
        print(url)
    elif args.action == "stop":
        print("stopped" if cluster.stop() else "not running")
    else:
        print(cluster.status())
        return 0 if cluster.is_running() else 1
    return 0


def _pipeline_log() -> Path:
    return VAR_DIR / "logs" / f"{MAIN_DAG}-{datetime.now():%Y%m%d-%H%M%S}.log"


def _run_pipeline(url: str, log_path: Path) -> int:
    """The main DAG end to end: its first task prepares the warehouse, its last evaluates the alert rules, so their
    alerts are in ops.alerts on return. Airflow's, dbt's and the alert engine's output go to `log_path`."""
    from metrics_local import airflow_runner

    print(f"{MAIN_DAG}: running every task (airflow dags test); full log in {log_path}")
    connection.ensure_database(url)
    # One run at a time on a warehouse (as max_active_runs=1 on a scheduler): a second waits, then finds nothing new.
    with connection.connect(url, autocommit=True) as conn, connection.exclusive(conn, f"{MAIN_DAG} run"):
        code = airflow_runner.test_dag(url, log_path=log_path)
    print(f"{MAIN_DAG}: {'succeeded' if code == 0 else 'FAILED'}")
    return code


def _run(args: argparse.Namespace) -> int:
    with pipeline_target(load_settings()) as url:
        return _run_pipeline(url, _pipeline_log())


def _demo(args: argparse.Namespace) -> int:
    from metrics_local.demo_summary import print_summary
    from metrics_local.sample import generate

    settings = load_settings()
    print(generate(settings.landing_dir, days=args.days, users=args.users, progress=False).line())
    log_path = _pipeline_log()
    with pipeline_target(settings) as url:
        code = _run_pipeline(url, log_path)
        if code == 0:
            print_summary(url, settings, log_path)
        else:
            print(
                f"The pipeline failed: the failed task's output is in {log_path}; Airflow's metadata in {AIRFLOW_HOME}."
            )
    return code


def _airflow(args: argparse.Namespace) -> int:
    from metrics_local import airflow_runner

    with pipeline_target(load_settings()) as url:
        connection.prepare(url)
        return airflow_runner.standalone(url)


def _docs(args: argparse.Namespace) -> int:
    """The KPI dictionary (docs/kpi_dictionary.md) from the kpi YAML, then the dbt docs site against the warehouse."""
    from metrics_warehouse.docs import dictionary
    from metrics_warehouse.docs.site import build_site

    code = dictionary.main([])
    if code:
        return code
    with warehouse(load_settings()) as url:
        connection.prepare(url)
        print(f"wrote {build_site(url)}")
    return 0


def _bi(args: argparse.Namespace) -> int:
    """Superset with the project's dashboards on the warehouse (the demo one, built first when empty), until Ctrl-C;
    or, for `resave`, until every chart is saved again in Explore and the assets exported."""
    from metrics_local import superset

    bi = superset.load_bi_settings()
    if args.action == "export":
        return superset.export_assets(bi)
    settings = load_settings()
    with warehouse(settings) as url:
        connection.prepare(url)
        built = superset.has_kpis(url)
    if not built and settings.warehouse_url:
        raise SystemExit("METRICS_WAREHOUSE_URL has no kpi tables yet: `make run` builds them")
    if not built:
        print("The demo warehouse has no KPI tables yet: building it first (make demo).")
        if code := main(["demo"]):
            return code
    with warehouse(settings) as url:
        env = superset.provision(bi, url)
        with superset.serve(bi, env) as server:
            if args.action == "resave":
                from metrics_local import superset_explore

                print(f"saved {superset_explore.resave_all(bi)} charts in Explore", flush=True)
                return superset.export_assets(bi)
            print(f"\nSuperset: {bi.url}/  login {bi.admin_user} / {bi.admin_password}  (Ctrl-C stops it)", flush=True)
            return server.wait()


def _exit_on_signal(signum: int, _frame) -> None:
    # SIGTERM and SIGHUP end the command like Ctrl-C does: cleanup (stopping the embedded server) runs.
    raise SystemExit(128 + signum)


def main(argv: list[str] | None = None) -> int:
    for signum in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _exit_on_signal)
    parser = argparse.ArgumentParser(prog="python -m metrics_local")
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("dbt-env", help="run a command with the dbt profile variables set")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=_dbt_env)
    p = sub.add_parser("backfill", help="rebuild the incremental facts for START..END (business dates)")
    p.add_argument("--start", required=True)
    p.add_argument("--end", required=True)
    p.set_defaults(func=_backfill)
    p = sub.add_parser("warehouse", help="start or stop the embedded PostgreSQL")
    p.add_argument("action", choices=["start", "stop"])
    p.set_defaults(func=_warehouse)
    p = sub.add_parser("spark", help="start, stop or show the local Spark cluster (master, 2 workers, Thrift server)")
    p.add_argument("action", choices=["start", "stop", "status"])
    p.set_defaults(func=_spark)
    sub.add_parser("run", help="process what is new in the landing zone through the DAGs").set_defaults(func=_run)
    p = sub.add_parser("demo", help="sample landing zone, the DAGs end to end, a KPI summary")
    p.add_argument("--days", type=int, default=60, help="days of sample data")
    p.add_argument("--users", type=int, default=3000, help="users in the sample")
    p.set_defaults(func=_demo)
    sub.add_parser("airflow", help="the Airflow UI with the project's DAGs").set_defaults(func=_airflow)
    sub.add_parser("docs", help="the KPI dictionary and the dbt docs site").set_defaults(func=_docs)
    quality_cli.add_parsers(sub, lambda: warehouse(load_settings()))
    alerts_cli.add_parser(sub, lambda: warehouse(load_settings()))
    p = sub.add_parser(
        "bi",
        help="Superset with the project's dashboards; `bi export` writes them back to bi/assets; `bi resave` saves "
        "every chart again in Explore (its query context built by Superset's frontend), then exports",
    )
    p.add_argument("action", nargs="?", choices=["serve", "export", "resave"], default="serve")
    p.set_defaults(func=_bi)
    args = parser.parse_args(argv)
    return args.func(args)
