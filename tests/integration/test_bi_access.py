"""The BI role reads the kpi and marts schemas and the alert tables, nothing else."""

from __future__ import annotations

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from metrics_warehouse.warehouse.bi_access import grant_bi_access


def test_bi_role_reads_kpis_but_cannot_write_or_see_raw(pg_url: str) -> None:
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("create schema if not exists kpi")
        conn.execute("create table kpi.before_grant (n int)")
        conn.execute("insert into kpi.before_grant values (1)")
    assert grant_bi_access(pg_url, role="metrics_bi_test")
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("create table kpi.after_grant (n int)")  # default privileges cover tables dbt creates later
        conn.execute("insert into kpi.after_grant values (2)")
    bi_url = make_conninfo(pg_url, user="metrics_bi_test", password="")
    with psycopg.connect(bi_url, autocommit=True) as bi:
        assert bi.execute("select n from kpi.before_grant").fetchone() == (1,)
        assert bi.execute("select n from kpi.after_grant").fetchone() == (2,)
        assert bi.execute("select count(*) from ops.alerts").fetchone() == (0,)  # the data-quality dashboard's alerts
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("insert into kpi.after_grant values (3)")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select count(*) from raw.events")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            bi.execute("select count(*) from ops.quarantine")  # records as received: personal data stays out of BI
