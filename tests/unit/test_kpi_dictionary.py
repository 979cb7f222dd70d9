"""The KPI dictionary has one source, the kpi models' dbt YAML: the committed docs/kpi_dictionary.md is what it gives now,
and every kpi table and column carries what a BI user needs (names in English and Chinese, description, unit, owner)."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from metrics_warehouse.docs import dictionary as kpi_dictionary
from metrics_warehouse.owners import load_owners

# The handbook's names a Chinese operations team looks for.
HANDBOOK_NAMES = (
    "日活跃用户", "周活", "月活", "新增用户", "次日留存率", "7日留存率", "7日内再次使用", "30日留存率", "流失率", "客单价",
    "ARPU", "ARPPU", "付费率", "复购率", "毛利率", "获客成本", "投产比", "点击率", "渠道等级", "净推荐值", "满意度", "数据准确率",
)  # fmt: skip


def test_the_committed_dictionary_is_what_the_yaml_gives_now() -> None:
    markdown, _ = kpi_dictionary.build()
    committed = kpi_dictionary.DICTIONARY_PATH.read_text(encoding="utf-8")
    assert committed == markdown, "docs/kpi_dictionary.md drifted from dbt_project/models/kpi: run `make docs`"


def test_every_kpi_table_and_column_is_described_in_both_languages() -> None:
    _, missing = kpi_dictionary.build()
    assert missing == []


def test_the_dictionary_covers_every_kpi_model_and_column() -> None:
    loaded = kpi_dictionary.load_dictionary()
    declared = {}
    for path in kpi_dictionary.KPI_MODELS_DIR.glob("*.yml"):
        for model in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or ():
            declared[model["name"]] = [column["name"] for column in model["columns"]]
    sql_models = {path.stem for path in kpi_dictionary.KPI_MODELS_DIR.glob("*.sql")}
    assert set(declared) == sql_models
    assert {table.name: [c.name for c in table.columns] for table in loaded.tables} == declared


def test_the_handbook_names_are_there() -> None:
    labels = " ".join(c.label_zh for t in kpi_dictionary.load_dictionary().tables for c in t.columns)
    assert [name for name in HANDBOOK_NAMES if name not in labels] == []


def test_a_column_without_its_chinese_name_or_description_is_reported(tmp_path: Path) -> None:
    models_dir = tmp_path / "kpi"
    shutil.copytree(kpi_dictionary.KPI_MODELS_DIR, models_dir)
    path = models_dir / "kpi_daily.yml"
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    (daily,) = document["models"]
    dau = next(column for column in daily["columns"] if column["name"] == "dau")
    del dau["config"]["meta"]["label_zh"]
    dau["description"] = ""
    daily["config"]["meta"]["owner"] = "nobody"
    path.write_text(yaml.safe_dump(document, allow_unicode=True), encoding="utf-8")

    found = kpi_dictionary.problems(kpi_dictionary.load_dictionary(models_dir), set(load_owners()))

    assert found == [
        "kpi_daily: owner 'nobody' is not a key of config/owners.yml",
        "kpi_daily.dau: no description",
        "kpi_daily.dau: no label_zh",
    ]


def test_the_dictionary_shows_formula_and_null_rule_beside_both_names() -> None:
    markdown, _ = kpi_dictionary.build()
    row = next(line for line in markdown.splitlines() if line.startswith("| `retention_within_7d` |"))
    assert "7日留存率（7日内再次使用）" in row and "Retention within 7 days" in row
    assert "`retained_within_7d / cohort_size`" in row and "signup_date + 7 > as_of_date" in row
