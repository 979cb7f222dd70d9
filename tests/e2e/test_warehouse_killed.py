"""PostgreSQL killed mid-run: the postmaster of a private embedded server (never the shared one) gets SIGKILL at a
seeded moment while a whole run is busy in its dbt stage, and is started again. The run either recovers (task retries)
or fails with a message that names the lost server; the next run leaves what one clean run leaves."""

from __future__ import annotations

import os
import random
import re
import subprocess
import time
from pathlib import Path

import pytest

from metrics_local import embedded
from tests.e2e import killed_runs
from tests.postmaster import kill_postmaster

pytestmark = pytest.mark.e2e

SEED = int(os.environ.get("METRICS_FAULT_SEED") or 20261130)
# What libpq and psycopg say when the server goes away under a connection or is not there (yet) for a new one.
LOST_SERVER = re.compile(
    r"server closed the connection unexpectedly|terminating connection|connection to server .* failed|"
    r"consuming input failed|the database system is (starting up|in recovery mode)|server (is )?(not running|lost)",
    re.IGNORECASE,
)


def test_a_run_whose_server_is_killed_recovers_or_fails_clearly_and_the_next_run_is_clean(
    tiny_reference, tmp_path: Path
) -> None:
    pgdata = tmp_path / "pgdata"
    url, _ = embedded.start(pgdata)
    try:
        env = tiny_reference.env(url, tmp_path / "run")
        # A seeded moment in the dbt stage (the longest), counted from its first task: a moment counted from the
        # start would depend on how busy the machine is (the run may have ended, or not be in dbt yet).
        delay = random.Random(SEED).uniform(0.0, 10.0)
        run = killed_runs.start(env, tmp_path / "killed.out")
        while not killed_runs.running_tasks(env, since=0).startswith("dbt."):
            assert run.poll() is None, "the run ended before its dbt stage"
            time.sleep(0.2)
        with pytest.raises(subprocess.TimeoutExpired):  # still busy at the moment
            run.wait(timeout=delay)
        busy = killed_runs.running_tasks(env, since=0)
        kill_postmaster(pgdata)
        embedded.start(pgdata)
        code = run.wait(timeout=1800)
        output = (tmp_path / "killed.out").read_text()
        print(
            f"server killed {delay:.1f}s into the dbt stage, during {busy}; restarted; the run ended with code {code}"
        )
        if code != 0:
            assert LOST_SERVER.search(output), output[-3000:]
        rerun = killed_runs.run(env, tmp_path / "rerun.out")
        assert rerun.returncode == 0, rerun.output[-3000:]
        assert killed_runs.warehouse_state(url, tmp_path / "run" / "report") == tiny_reference.state
    finally:
        embedded.stop(pgdata)
