"""Releasing a file the raw gate held back from the marts (README: Quality gates).

A data engineer who decides a held file's rows may go in after all (the failed check was wrong, or the rows are known
and accepted) releases it: its `held_because` is cleared, so the next run's dbt build reads it (dbt.state counts the
held files among the build's inputs) and the `file_held` alert recovers. Each release is kept in ops.file_releases
with who, when, why and the hold it lifted. `recheck` first runs the source's raw suite on the file again (after an
expectation was fixed) and releases it only when it passes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import psycopg

from metrics_warehouse.quality import gates, results
from metrics_warehouse.warehouse.connection import connect


class NotReleased(LookupError):
    """The path cannot be released (unknown, not held, already released, still failing); the message names it."""


@dataclass(frozen=True)
class HeldFile:
    file_id: int
    path: str
    source: str
    delivery_date: date
    held_since: datetime
    held_because: str


@dataclass(frozen=True)
class Release:
    file_id: int
    path: str
    released_at: datetime
    released_by: str
    reason: str
    held_because: str


def held_files(url: str) -> list[HeldFile]:
    with connect(url) as conn:
        return [HeldFile(*row) for row in conn.execute(_HELD + " order by path, file_id")]


def release(url: str, path: str, *, reason: str, by: str) -> list[Release]:
    """Lift the holds of the ledger rows at `path` and record each release (one transaction)."""
    if not reason.strip():
        raise NotReleased(f"{path}: say why it is released (--reason)")
    with connect(url) as conn:
        held = _held_at(conn, path)
        with conn.cursor() as cur:
            cur.executemany(
                """
                insert into ops.file_releases (file_id, released_at, released_by, reason, held_because)
                values (%s, now(), %s, %s, %s)
                returning released_at
                """,
                [(f.file_id, by, reason, f.held_because) for f in held],
                returning=True,
            )
            released_at = cur.fetchone()[0]  # now(): the same for every row of the transaction
        conn.execute(
            "update ops.ingest_ledger set held_because = null where file_id = any(%s)", ([f.file_id for f in held],)
        )
    return [Release(f.file_id, f.path, released_at, by, reason, f.held_because) for f in held]


def recheck(url: str, path: str, *, reason: str, by: str, run_id: str) -> list[Release]:
    """Run the source's raw suite on the held file again (its results go to ops.quality_results under `run_id`);
    release it when no critical check fails, else keep it held with the checks that failed now."""
    with connect(url) as conn:
        held = _held_at(conn, path)
    files = [(f.file_id, f.delivery_date) for f in held]
    with gates.raw_suite(url, held[0].source, files) as suite:
        gate, still_held = gates.judge(url, suite, files, run_id)
    with connect(url) as conn:
        results.store(conn, gate, suite.source)
    if still_held:
        with connect(url) as conn, conn.cursor() as cur:
            cur.executemany(
                "update ops.ingest_ledger set held_because = %s where file_id = %s and held_because is not null",
                [(checks, file_id) for file_id, checks in still_held.items()],
            )
        raise NotReleased(f"{path}: still held, {gate.suite} fails {', '.join(sorted(set(still_held.values())))}")
    return release(url, path, reason=f"recheck {run_id} passed: {reason}", by=by)


_HELD = """
    select file_id, path, source, delivery_date, validated_at, held_because
    from ops.ingest_ledger
    where held_because is not null
"""


def _held_at(conn: psycopg.Connection, path: str) -> list[HeldFile]:
    """The held ledger rows at `path` (locked until the transaction ends), or why there are none."""
    held = [HeldFile(*row) for row in conn.execute(_HELD + " and path = %s order by file_id for update", (path,))]
    if held:
        return held
    known, pending = conn.execute(
        """
        select count(*), bool_or(validated_at is null and not is_copy)
        from ops.ingest_ledger where path = %s
        """,
        (path,),
    ).fetchone()
    if not known:
        raise NotReleased(f"{path}: no such file in ops.ingest_ledger (paths are relative to the landing root)")
    last = conn.execute(
        """
        select r.released_at, r.released_by, r.reason from ops.file_releases as r
        inner join ops.ingest_ledger as l on l.file_id = r.file_id
        where l.path = %s
        order by r.released_at desc, r.release_id desc limit 1
        """,
        (path,),
    ).fetchone()
    if last:
        released_at, released_by, why = last
        raise NotReleased(f"{path}: already released on {released_at:%Y-%m-%d %H:%M %Z} by {released_by}: {why}")
    if pending:
        raise NotReleased(f"{path}: not held (not validated yet: the next run's raw gate judges it)")
    raise NotReleased(f"{path}: not held (the raw gate did not hold it back)")
