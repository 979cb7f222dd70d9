"""dbt's profile for the DAG's Cosmos tasks, from the Airflow connection `metrics_warehouse` (the one the tasks read)."""

from __future__ import annotations

from typing import Any

from cosmos.profiles.postgres.user_pass import PostgresUserPasswordProfileMapping


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


def warehouse_profile(conn_id: str) -> WarehouseProfileMapping:
    # schema: dbt's default target schema; every model folder sets its own (dbt_project.yml), as in profiles.yml.
    return WarehouseProfileMapping(conn_id=conn_id, profile_args={"schema": "public", "threads": 2})
