"""dbt's profile for the DAG's Cosmos tasks, from the Airflow connection `metrics_warehouse` (the one the tasks read),
or with METRICS_ENGINE=spark from the connection `metrics_spark` (a Thrift server)."""

from __future__ import annotations

from typing import Any

from cosmos.profiles.base import BaseProfileMapping
from cosmos.profiles.postgres.user_pass import PostgresUserPasswordProfileMapping
from cosmos.profiles.spark.thrift import SparkThriftProfileMapping

from metrics_warehouse.settings import DBT_PROJECT_DIR, load_settings


class WarehouseProfileMapping(PostgresUserPasswordProfileMapping):
    """Cosmos' postgres mapping with the password optional: a server with trust or peer authentication (the embedded
    warehouse on its unix socket) has none, and Cosmos would otherwise refuse the connection."""

    required_fields = ["host", "user", "dbname"]

    @property
    def profile(self) -> dict[str, Any]:
        # dbt requires a port; a URL without one (the embedded server's socket) means libpq's default, as in profiles.yml
        return {"port": 5432, **super().profile}

    def get_dbt_value(self, name: str) -> Any:
        value = super().get_dbt_value(name)
        return "" if name == "password" and value is None else value


def _spark_session() -> dict[str, Any]:
    """The Spark session settings of profiles.yml's `spark` output (their one home)."""
    import yaml

    outputs = yaml.safe_load((DBT_PROJECT_DIR / "profiles.yml").read_text(encoding="utf-8"))["metrics_warehouse"]
    return {"server_side_parameters": outputs["outputs"]["spark"]["server_side_parameters"]}


def dbt_profile(conn_id: str) -> BaseProfileMapping:
    """The profile of the engine's builds from the Airflow connection `conn_id`."""
    # schema: dbt's default target schema; every model folder sets its own (dbt_project.yml), as in profiles.yml.
    args = {"schema": "public", "threads": 2}
    if load_settings().engine == "spark":
        return SparkThriftProfileMapping(conn_id=conn_id, profile_args={**args, **_spark_session()})
    return WarehouseProfileMapping(conn_id=conn_id, profile_args=args)
