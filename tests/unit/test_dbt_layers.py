"""The dbt project reads one way (staging -> intermediate -> marts -> kpi) and its kpi schema holds only KPI tables.

Checked on the manifest `dbt parse` writes (no database): a model's layer is the folder under models/ it lives in.
"""

from __future__ import annotations

import json

import pytest

from metrics_warehouse.dbt.manifest import ensure_manifest

LAYERS = ("staging", "intermediate", "marts", "kpi")


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads(ensure_manifest().read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def models(manifest: dict) -> dict[str, dict]:
    return {node["name"]: node for node in manifest["nodes"].values() if node["resource_type"] == "model"}


def layer(model: dict) -> str:
    return model["original_file_path"].split("/")[1]


def test_every_model_lives_in_a_layer(models: dict[str, dict]) -> None:
    assert {name: layer(model) for name, model in models.items() if layer(model) not in LAYERS} == {}


def test_no_model_refs_a_later_layer(models: dict[str, dict]) -> None:
    by_id = {model["unique_id"]: model for model in models.values()}
    backwards = [
        f"{name} ({layer(model)}) refs {by_id[parent]['name']} ({layer(by_id[parent])})"
        for name, model in models.items()
        for parent in model["depends_on"]["nodes"]
        if parent in by_id and LAYERS.index(layer(by_id[parent])) > LAYERS.index(layer(model))
    ]
    assert backwards == []


def test_a_model_is_one_unit_its_yaml_beside_its_sql(manifest: dict, models: dict[str, dict]) -> None:
    """`<model>.yml` beside `<model>.sql` holds the model's properties and its unit tests; an incremental model's
    materialization and hooks are in its SQL, beside the SQL they prepare."""
    for name, model in models.items():
        assert model["patch_path"] == "metrics_warehouse://" + model["original_file_path"].removesuffix(".sql") + ".yml"
        if model["config"]["materialized"] == "incremental":
            # incremental as such, or where the engine recomputes what changed (macros/engine/incremental.sql)
            in_sql = ('materialized="incremental"', "materialized=recomputed_materialization()")
            assert any(config in model["raw_code"] for config in in_sql), (
                f"{name}: incremental outside its SQL's config()"
            )
    for test in manifest["unit_tests"].values():
        model = models[test["model"]]
        assert test["original_file_path"] == model["original_file_path"].removesuffix(".sql") + ".yml", test["name"]


def test_only_staging_reads_sources(models: dict[str, dict]) -> None:
    readers = {
        name
        for name, model in models.items()
        if any(parent.startswith("source.") for parent in model["depends_on"]["nodes"])
    }
    assert readers and all(layer(models[name]) == "staging" for name in readers), sorted(readers)


def test_the_kpi_schema_holds_only_documented_kpi_tables_with_enforced_contracts(models: dict[str, dict]) -> None:
    kpi = {name: model for name, model in models.items() if model["schema"] == "kpi"}
    assert kpi, "no model in the kpi schema"
    assert {name for name, model in models.items() if layer(model) == "kpi"} == set(kpi)
    for name, model in kpi.items():
        assert name.startswith("kpi_"), name
        assert model["config"]["contract"]["enforced"], f"{name}: contract not enforced"
        assert model["description"].strip(), f"{name}: no description"
        assert model["config"]["meta"].get("owner"), f"{name}: no owner"
        assert model["columns"], f"{name}: no columns documented"
        for column in model["columns"].values():
            assert column["data_type"] and column["description"].strip(), f"{name}.{column['name']} undocumented"


def test_the_relations_made_empty_for_unit_tests_have_contracts_to_make_them_from(models: dict[str, dict]) -> None:
    """A new warehouse gets these models as empty views made from their contracts (create_incremental_relations)
    before their first build, because a unit test runs them as incremental and reads the existing relation's
    columns."""
    from metrics_warehouse.dbt.manifest import incremental_unit_tested

    made = {relation.model for relation in incremental_unit_tested(ensure_manifest())}
    assert "fct_events" in made
    assert {name for name in made if not models[name]["config"]["contract"]["enforced"]} == set()
    assert {name for name in made if not all(c["data_type"] for c in models[name]["columns"].values())} == set()
