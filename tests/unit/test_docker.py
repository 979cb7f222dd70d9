"""Static checks of the team deployment (no Docker engine here): the compose file, its Dockerfile and its secrets."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


def test_compose_has_distributed_airflow_a_warehouse_and_a_bi_tool() -> None:
    services = compose()["services"]
    assert {"postgres", "redis", "airflow-scheduler", "airflow-worker", "airflow-apiserver", "metabase"} <= set(
        services
    )
    for name, service in services.items():
        if name.startswith("airflow-"):
            assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
            assert service["build"]["dockerfile"] == "docker/Dockerfile"
    assert services["metabase"]["environment"]["MB_DB_TYPE"] == "postgres"


def test_every_variable_used_is_in_the_env_example() -> None:
    defined = {line.split("=")[0] for line in (DOCKER / ".env.example").read_text().splitlines() if "=" in line}
    used = set(re.findall(r"\$\{(\w+)", (DOCKER / "compose.yml").read_text()))
    used |= set(re.findall(r"\$\{(\w+)", (DOCKER / "postgres-init.sh").read_text()))
    assert used <= defined, used - defined


def test_dockerfile_copies_what_exists() -> None:
    for line in (DOCKER / "Dockerfile").read_text().splitlines():
        if line.startswith("COPY "):
            source = line.split()[1]
            assert (DOCKER.parent / source).exists(), source
