"""Every setting the code reads is documented in the README's configuration table, and the dbt vars that mirror a
setting (dbt_project.yml reads the same environment variables) give what the setting gives, defaults included."""

from __future__ import annotations

import dataclasses
import os
import re
from pathlib import Path

import pytest
import yaml

from metrics_warehouse.settings import VAR_DIR, Settings, load_settings

PROJECT = Path(__file__).resolve().parents[2]
CODE = ("plugins", "dags", "expectations", "config", "docker")


def names_in(text: str) -> set[str]:
    return set(re.findall(r"\bMETRICS_[A-Z_]+\b", text))


def test_every_metrics_variable_is_in_the_readme_configuration_table() -> None:
    used: set[str] = set()
    for folder in CODE:
        for path in (PROJECT / folder).rglob("*"):
            if path.is_file() and path.suffix in {".py", ".yml", ".sh", ".example", ""}:
                used |= names_in(path.read_text(errors="ignore"))
    readme = (PROJECT / "README.md").read_text()
    table = readme[readme.index("## Configuration") :]
    table = table[: table.index("\n\n", table.index("| variable |"))]
    documented = {name for row in table.splitlines() if row.startswith("| `") for name in names_in(row.split("|")[1])}
    assert used, "no METRICS_ variables found: the search is broken"
    assert not used - documented, f"settings missing from the README's configuration table: {sorted(used - documented)}"


# Environments the defaults and the fallbacks between settings show in (the source zone follows the reporting zone).
ENVIRONMENTS = [
    {},
    {"METRICS_REPORTING_TZ": "Europe/Berlin"},
    {"METRICS_REPORTING_TZ": "Europe/Berlin", "METRICS_SOURCE_TZ": "UTC"},
    {"METRICS_REPORTING_CURRENCY": "usd", "METRICS_MIN_EVENT_DATE": "2024-02-29"},
]


@pytest.fixture
def render_dbt():
    """A dbt_project.yml expression rendered by dbt itself (its Jinja and env_var) under a given environment."""
    from dbt.clients.jinja import get_rendered
    from dbt.context.base import BaseContext
    from dbt_common.context import set_invocation_context

    def render(expression: str, env: dict[str, str]) -> str:
        set_invocation_context(env)
        return get_rendered(expression, BaseContext(cli_vars={}).to_dict())

    yield render
    set_invocation_context(dict(os.environ))


def test_every_dbt_var_that_mirrors_a_setting_gives_what_the_setting_gives(render_dbt) -> None:
    project = yaml.safe_load((PROJECT / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))
    mirrors = {name: value for name, value in project["vars"].items() if names_in(str(value))}
    assert len(mirrors) >= 4, "no dbt var reads a METRICS_ variable: the search is broken"
    fields = {field.name for field in dataclasses.fields(Settings)}
    assert set(mirrors) <= fields, f"dbt vars named unlike the setting they mirror: {sorted(set(mirrors) - fields)}"
    for env in ENVIRONMENTS:
        settings = load_settings(env)
        rendered = {name: render_dbt(expression, env) for name, expression in mirrors.items()}
        assert rendered == {name: str(getattr(settings, name)) for name in mirrors}, env


def test_the_engine_settings_default_to_postgresql_and_a_local_lake() -> None:
    settings = load_settings({})
    assert (settings.engine, settings.spark_thrift_url, settings.spark_table_format) == ("postgres", None, "parquet")
    assert settings.lake_dir == VAR_DIR / "lake"


def test_the_engine_settings_read_the_environment() -> None:
    settings = load_settings(
        {
            "METRICS_ENGINE": "Spark",
            "METRICS_SPARK_THRIFT_URL": "thrift://spark.example:10000",
            "METRICS_LAKE_DIR": "s3a://lake-bucket/metrics",
            "METRICS_SPARK_TABLE_FORMAT": "iceberg",
        }
    )
    assert (settings.engine, settings.spark_thrift_url) == ("spark", "thrift://spark.example:10000")
    assert (settings.lake_dir, settings.spark_table_format) == ("s3a://lake-bucket/metrics", "iceberg")
    assert load_settings({"METRICS_LAKE_DIR": "lake"}).lake_dir == Path.cwd() / "lake"  # a folder, made absolute


@pytest.mark.parametrize(("name", "value"), [("METRICS_ENGINE", "duckdb"), ("METRICS_SPARK_TABLE_FORMAT", "orc")])
def test_an_unknown_engine_or_table_format_is_an_error_naming_the_setting(name: str, value: str) -> None:
    with pytest.raises(ValueError, match=f"{name} is '{value}': it must be one of"):
        load_settings({name: value})
