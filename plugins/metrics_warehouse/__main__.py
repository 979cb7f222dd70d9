"""`python -m metrics_warehouse prepare`: create the database objects ingestion owns and the read-only BI role on
METRICS_WAREHOUSE_URL (a team deployment's init step; local commands are in `python -m metrics_local`)."""

from __future__ import annotations

import argparse

from metrics_warehouse.settings import load_settings
from metrics_warehouse.warehouse import connection
from metrics_warehouse.warehouse.bi_access import grant_bi_access


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics_warehouse", description=__doc__)
    parser.add_argument("command", choices=["prepare"])
    parser.parse_args(argv)
    settings = load_settings()
    if not settings.warehouse_url:
        raise SystemExit("METRICS_WAREHOUSE_URL is not set")
    connection.prepare(settings.warehouse_url)
    grant_bi_access(settings.warehouse_url, password=settings.bi_password)
    return 0


raise SystemExit(main())
