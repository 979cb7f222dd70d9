"""Apache Superset against the warehouse: set up from bi/ (config, dashboards) and served on 127.0.0.1.

Superset's pins (sqlalchemy<2, pandas<2.2) conflict with Airflow's, so it lives in its own environment (.venv-bi, from
bi/requirements.lock); this module drives it from the outside with subprocesses. It connects to the warehouse as the
read-only BI role, never as the owner.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from psycopg.conninfo import make_conninfo

from metrics_warehouse.settings import PROJECT_ROOT, VAR_DIR
from metrics_warehouse.warehouse import connection
from metrics_warehouse.warehouse.bi_access import BI_ROLE, grant_bi_access

BI_DIR = PROJECT_ROOT / "bi"
BI_BIN = PROJECT_ROOT / ".venv-bi" / "bin"
# Local defaults, documented in the README; a team deployment sets its own (docker/.env).
LOCAL_ADMIN_USER = "admin"
LOCAL_ADMIN_PASSWORD = "admin"
LOCAL_BI_PASSWORD = "metrics-bi-local"


@dataclass(frozen=True)
class BISettings:
    port: int
    admin_user: str
    admin_password: str
    bi_password: str
    home: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


def load_bi_settings(env: dict[str, str] | None = None) -> BISettings:
    env = os.environ if env is None else env
    return BISettings(
        port=int(env.get("METRICS_BI_PORT") or 8088),
        admin_user=env.get("METRICS_BI_ADMIN_USER") or LOCAL_ADMIN_USER,
        admin_password=env.get("METRICS_BI_ADMIN_PASSWORD") or LOCAL_ADMIN_PASSWORD,
        bi_password=env.get("METRICS_BI_PASSWORD") or LOCAL_BI_PASSWORD,
        home=Path(env.get("SUPERSET_HOME") or VAR_DIR / "superset"),
    )


def database_uri(warehouse_url: str, bi_password: str) -> str:
    """The warehouse as Superset's SQLAlchemy URI, logged in as the read-only BI role."""
    return connection.sqlalchemy_url(make_conninfo(warehouse_url, user=BI_ROLE, password=bi_password))


def has_kpis(warehouse_url: str) -> bool:
    with connection.connect(warehouse_url) as conn:
        return conn.execute("select to_regclass('kpi.kpi_daily') is not null").fetchone()[0]


def superset_env(settings: BISettings) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}  # the project's, not Superset's
    return {
        **env,
        "SUPERSET_CONFIG_PATH": str(BI_DIR / "superset_config.py"),
        "SUPERSET_HOME": str(settings.home),
        "FLASK_APP": "superset",
        "METRICS_BI_ADMIN_USER": settings.admin_user,
        "METRICS_BI_ADMIN_PASSWORD": settings.admin_password,
    }


def provision(settings: BISettings, warehouse_url: str) -> dict[str, str]:
    """Grant the BI role, then migrate Superset's metadata and import bi/assets. Returns Superset's environment."""
    grant_bi_access(warehouse_url, password=settings.bi_password)
    settings.home.mkdir(parents=True, exist_ok=True)
    env = {**superset_env(settings), "METRICS_BI_DATABASE_URI": database_uri(warehouse_url, settings.bi_password)}
    subprocess.run([BI_BIN / "python", BI_DIR / "provision.py", "import"], env=env, check=True)
    return env


def export_assets(settings: BISettings) -> int:
    """Write the dashboards as they are in Superset's metadata (var/superset) back to bi/assets."""
    return subprocess.call([BI_BIN / "python", BI_DIR / "provision.py", "export"], env=superset_env(settings))


@contextlib.contextmanager
def serve(settings: BISettings, env: dict[str, str], log: Path | None = None) -> Iterator[subprocess.Popen]:
    """Superset's web server (gunicorn) on 127.0.0.1:port until the block ends; ready when it is yielded."""
    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", settings.port)) == 0:
            raise SystemExit(f"port {settings.port} is in use: set METRICS_BI_PORT to a free one")
    command = [
        BI_BIN / "gunicorn",
        f"--bind=127.0.0.1:{settings.port}",
        "--workers=1",  # one process, threads for concurrent chart queries
        "--threads=8",
        "--timeout=120",
        "--graceful-timeout=10",
        "superset.app:create_app()",
    ]
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(log.open("w")) if log else None
        server = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT if log else None)
        try:
            _wait_until_healthy(settings.url, server)
            yield server
        finally:
            server.terminate()
            server.wait(timeout=60)


def _wait_until_healthy(url: str, server: subprocess.Popen, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"Superset exited with code {server.returncode} before answering on {url}")
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(f"{url}/health", timeout=5) as response:
                if response.status == 200:
                    return
        time.sleep(1)
    raise TimeoutError(f"Superset did not answer on {url}/health within {timeout:.0f} s")
