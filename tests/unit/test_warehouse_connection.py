"""The warehouse URL survives the trip through the Airflow connection `metrics_warehouse` the tasks read."""

from __future__ import annotations

import pytest
from psycopg.conninfo import conninfo_to_dict

from metrics_warehouse import tasks
from metrics_warehouse.dbt.profile import dbt_profile
from metrics_warehouse.warehouse.connection import airflow_connection

URLS = [
    "postgresql://etl_user:p%40ss%2Fw0rd@db.internal:6543/metrics",
    "postgresql://postgres@/metrics?host=/work/checkout%20with%20space/var/pgdata",  # the embedded server's unix socket
]


@pytest.mark.parametrize("url", URLS, ids=["tcp", "unix-socket"])
def test_tasks_get_the_url_the_runner_defined(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_METRICS_WAREHOUSE", airflow_connection(url))
    assert conninfo_to_dict(tasks.warehouse_url()) == conninfo_to_dict(url)


@pytest.mark.parametrize("url", URLS, ids=["tcp", "unix-socket"])
def test_the_dbt_tasks_profile_is_the_same_connection(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AIRFLOW_CONN_METRICS_WAREHOUSE", airflow_connection(url))
    mapping = dbt_profile(tasks.WAREHOUSE_CONN_ID)
    assert mapping.can_claim_connection()
    profile, params = mapping.profile, conninfo_to_dict(url)
    assert (profile["host"], profile["user"], profile["dbname"]) == (params["host"], params["user"], params["dbname"])
    assert profile["port"] == int(params.get("port") or 5432)  # dbt requires one
    assert mapping.env_vars[mapping.get_env_var_name("password")] == params.get("password", "")
