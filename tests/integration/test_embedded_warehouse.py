"""The embedded PostgreSQL: two checkouts on one machine run side by side, and stopping leaves no server behind."""

from __future__ import annotations

from pathlib import Path

import psutil
import psycopg

from metrics_local import embedded
from metrics_warehouse.warehouse import connection
from tests.postmaster import kill_postmaster


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    return [
        p
        for p in psutil.process_iter(["name", "cmdline"])
        if p.info["name"] == "postgres" and str(pgdata) in " ".join(p.info["cmdline"] or [])
    ]


def test_two_checkouts_run_side_by_side_and_stop_cleanly(tmp_path: Path) -> None:
    first, second = (tmp_path / name / "var" / "pgdata" for name in ("checkout-a", "checkout-b"))
    url_a, started_a = embedded.start(first)
    url_b, started_b = embedded.start(second)
    try:
        assert started_a and started_b and url_a != url_b
        for url in (url_a, url_b):
            connection.prepare(url)
        with psycopg.connect(url_a, autocommit=True) as conn:
            conn.execute("create table raw.only_in_a (n int)")
        with psycopg.connect(url_b) as conn:
            assert conn.execute("select to_regclass('raw.only_in_a')").fetchone() == (None,)
        assert embedded.start(first) == (url_a, False)  # already running: reused, not started twice
    finally:
        assert embedded.stop(first) and embedded.stop(second)
    assert not embedded.is_running(first) and not embedded.is_running(second)
    assert postgres_processes(first) == [] and postgres_processes(second) == []
    assert embedded.stop(first) is False


def test_a_lock_whose_server_restarted_is_left_without_failing_the_work_it_guarded(tmp_path: Path, caplog) -> None:
    pgdata = tmp_path / "pgdata"
    url, _ = embedded.start(pgdata)
    try:
        connection.ensure_database(url)
        with connection.connect(url, autocommit=True) as conn, connection.exclusive(conn, "a run"):
            kill_postmaster(pgdata)
            embedded.start(pgdata)
        assert "lost the lock 'a run' when the server dropped its connection" in caplog.text
        with psycopg.connect(url) as conn:  # the restarted server holds no lock of the dead session
            assert conn.execute("select count(*) from pg_locks where locktype = 'advisory'").fetchone() == (0,)
    finally:
        embedded.stop(pgdata)
