"""Static checks of the team deployment (no Docker engine here): the compose file, its Dockerfile and its secrets."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DOCKER = Path(__file__).resolve().parents[2] / "docker"


def compose() -> dict:
    return yaml.safe_load((DOCKER / "compose.yml").read_text())


PROJECT = DOCKER.parent


def test_compose_has_distributed_airflow_a_warehouse_and_a_bi_tool() -> None:
    services = compose()["services"]
    assert {
        "postgres",
        "redis",
        "airflow-scheduler",
        "airflow-worker",
        "airflow-apiserver",
        "superset",
        "report",
    } <= set(services)
    for name, service in services.items():
        if name.startswith("airflow-"):
            assert service["environment"]["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
            assert service["environment"]["AIRFLOW__CORE__FERNET_KEY"] == "${AIRFLOW_FERNET_KEY}"
            assert service["build"]["dockerfile"] == "docker/Dockerfile"


def test_every_long_running_service_has_a_healthcheck_and_restarts() -> None:
    for name, service in compose()["services"].items():
        if name == "airflow-init":  # a one-shot job
            assert service["restart"] == "no"
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"], name


def test_superset_is_pinned_reads_as_the_bi_role_and_imports_the_repository_dashboards() -> None:
    superset = compose()["services"]["superset"]
    dockerfile = (PROJECT / superset["build"]["dockerfile"]).read_text()
    lock = (PROJECT / "bi" / "requirements.lock").read_text()
    pinned = re.search(r"^apache-superset==([\d.]+)$", lock, re.M).group(1)
    assert superset["image"].endswith(f":{pinned}")
    assert "bi/requirements.lock" in dockerfile and "COPY bi bi" in dockerfile
    assert "bi/provision.py import" in dockerfile  # the same dashboard files as `make bi`, at every start
    assert superset["environment"]["METRICS_BI_DATABASE_URI"].startswith("postgresql+psycopg2://metrics_bi:")


def test_alert_variables_of_the_owners_are_in_the_env_example() -> None:
    defined = {line.split("=")[0] for line in (DOCKER / ".env.example").read_text().splitlines() if "=" in line}
    used = set(re.findall(r"\$\{(\w+)\}", (PROJECT / "config" / "owners.yml").read_text())) - {"VAR"}
    assert used and used <= defined, used - defined


def test_every_variable_used_is_in_the_env_example() -> None:
    defined = {line.split("=")[0] for line in (DOCKER / ".env.example").read_text().splitlines() if "=" in line}
    used = set(re.findall(r"(?<!\$)\$\{(\w+)", (DOCKER / "compose.yml").read_text()))  # $${X} is the container's
    used |= set(re.findall(r"\$\{(\w+)", (DOCKER / "postgres-init.sh").read_text()))
    assert used <= defined, used - defined


def test_dockerfile_copies_what_exists() -> None:
    for dockerfile in DOCKER.glob("*Dockerfile"):
        for line in dockerfile.read_text().splitlines():
            if line.startswith("COPY "):
                source = line.split()[1]
                assert list(PROJECT.glob(source)), source  # a path, or a pattern matching at least one
