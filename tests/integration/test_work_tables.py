"""Work tables of the quality gates (real PostgreSQL): the query's rows exactly once, gone afterwards, and a table
left by a killed gate dropped by the next one."""

from __future__ import annotations

import psycopg
import pytest

from metrics_warehouse.quality.work_tables import SCHEMA, lock_name, work_table

# Text with a % of its own: the shares are composed as literals, never as parameters.
QUERY = """
    select n as line_number, 'v' || n as value, 'v' || n like '%7%' as has_seven
    from generate_series(1, 1001) as n
"""


def work_tables(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        return {name for (name,) in conn.execute("select tablename from pg_tables where schemaname = %s", (SCHEMA,))}


def test_the_shares_together_hold_each_row_of_the_query_once_and_the_table_goes_afterwards(pg_url):
    with work_table(pg_url, "rows", QUERY, "line_number", shares=3) as table, psycopg.connect(pg_url) as conn:
        copied = conn.execute(
            f'select line_number, value, has_seven from "{SCHEMA}"."{table}" order by line_number'
        ).fetchall()
        expected = conn.execute(f"select * from ({QUERY}) as q order by line_number").fetchall()
    assert copied == expected
    assert len(copied) == 1001
    assert sum(row[2] for row in copied) == sum("7" in str(n) for n in range(1, 1002))
    assert work_tables(pg_url) == set()


def test_a_failing_query_raises_and_leaves_no_table(pg_url):
    with pytest.raises(psycopg.errors.DivisionByZero), work_table(pg_url, "rows", "select 1 / 0 as n", "n"):
        pass
    assert work_tables(pg_url) == set()


def test_a_table_whose_gate_was_killed_is_dropped_by_the_next_gate_one_in_use_is_kept(pg_url):
    def leave(name: str) -> psycopg.Connection:
        """A gate's holder connection that created its table (and still holds it until closed)."""
        conn = psycopg.connect(pg_url, autocommit=True)
        conn.execute("select pg_advisory_lock(hashtextextended(%s, 0))", (lock_name(name),))
        conn.execute(f'create unlogged table "{SCHEMA}"."{name}" (n int)')
        return conn

    leave("rows_killed").close()  # the session ends without dropping: the gate's process was killed
    running = leave("rows_running")
    try:
        assert work_tables(pg_url) == {"rows_killed", "rows_running"}
        with work_table(pg_url, "rows", QUERY, "line_number"):
            assert "rows_killed" not in work_tables(pg_url)
        assert work_tables(pg_url) == {"rows_running"}
    finally:
        running.close()
