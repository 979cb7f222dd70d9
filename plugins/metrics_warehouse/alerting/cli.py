"""`python -m metrics_warehouse alerts ...`: acknowledge and resolve alerts, their statistics, the daily digest."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from metrics_warehouse.alerting import followup
from metrics_warehouse.alerting.digest import send_digests
from metrics_warehouse.alerting.engine import apply_ddl
from metrics_warehouse.warehouse.connection import connect


def add_parser(sub: argparse._SubParsersAction, warehouse_url) -> None:
    """`alerts` and its actions; `warehouse_url()` is a context manager giving the warehouse's URL."""
    parser = sub.add_parser("alerts", help="acknowledge / resolve alerts, their statistics, the daily digest")
    actions = parser.add_subparsers(dest="action", required=True)
    ack = actions.add_parser("ack", help="acknowledge an alert (any alert_id of it in ops.alerts)")
    ack.add_argument("alert_id", type=int)
    resolve = actions.add_parser("resolve", help="resolve an alert with its root cause")
    resolve.add_argument("alert_id", type=int)
    resolve.add_argument("--note", required=True, help="the root cause and what was done")
    actions.add_parser("stats", help="per owner and rule: raised, recurring, time to acknowledge and resolve")
    digest = actions.add_parser("digest", help="the daily digest (运营日报) of each owner")
    digest.add_argument("--dry-run", action="store_true", help="print the digests without sending them")
    parser.set_defaults(func=lambda args: _run(args, warehouse_url))


def _run(args: argparse.Namespace, warehouse_url) -> int:
    with warehouse_url() as url:
        apply_ddl(url)
        if args.action == "digest":
            for digest in send_digests(url, send=not args.dry_run):
                print(digest.text, *(f"  -> {c}: {s}" for c, s in digest.deliveries.items()), "", sep="\n")
            return 0
        with connect(url) as conn:
            now = datetime.now(UTC)
            try:
                if args.action == "ack":
                    print(f"acknowledged alert {args.alert_id} ({followup.acknowledge(conn, args.alert_id, now)} rows)")
                elif args.action == "resolve":
                    touched = followup.resolve(conn, args.alert_id, now, args.note)
                    print(f"resolved alert {args.alert_id} ({touched} rows)")
                else:
                    _print_stats(conn)
            except followup.UnknownAlert as error:
                print(error)
                return 1
    return 0


def _print_stats(conn) -> None:
    cursor = conn.execute("select * from ops.alert_stats order by owner, rule")
    print("\t".join(column.name for column in cursor.description))
    for row in cursor:
        print("\t".join("" if value is None else str(value) for value in row))
