"""What a run leaves, as comparable values: a row count and an md5 of the ordered rows of a table or query."""

from __future__ import annotations

import psycopg


def rows_fingerprint(conn: psycopg.Connection, query: str) -> str:
    """`count:md5` of the rows of `query`, ordered by their text (the same rows in any order give the same value)."""
    return conn.execute(
        f"select count(*) || ':' || md5(coalesce(string_agg(t::text, E'\\n' order by t::text), '')) from ({query}) as t"
    ).fetchone()[0]


def kpi_fingerprint(url: str) -> dict[str, str]:
    """The fingerprint of every table of the kpi schema (what BI users read)."""
    with psycopg.connect(url) as conn:
        tables = [
            table
            for (table,) in conn.execute(
                "select table_name from information_schema.tables where table_schema = 'kpi' "
                "and table_type = 'BASE TABLE' order by 1"
            )
        ]
        return {table: rows_fingerprint(conn, f"select * from kpi.{table}") for table in tables}
