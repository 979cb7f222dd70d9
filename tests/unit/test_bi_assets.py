"""bi/assets, the Superset dashboards as files, hold together: what a dashboard places exists and points at what exists."""

from __future__ import annotations

import importlib.util

import yaml

from metrics_local.superset import BI_DIR, database_uri, load_bi_settings

ASSETS = BI_DIR / "assets"
SLUGS = {"operations-overview", "retention", "channels", "users", "service-satisfaction", "data-quality"}


def _load(folder: str) -> list[dict]:
    return [yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted((ASSETS / folder).rglob("*.yaml"))]


def test_the_six_dashboards_have_chinese_and_english_titles() -> None:
    dashboards = {board["slug"]: board for board in _load("dashboards")}
    assert set(dashboards) == SLUGS
    for board in dashboards.values():
        title = board["dashboard_title"]
        assert any("\u4e00" <= ch <= "\u9fff" for ch in title) and any(ch.isascii() and ch.isalpha() for ch in title)


def test_every_placed_chart_exists_and_reads_a_dataset_of_the_warehouse() -> None:
    charts = {chart["uuid"]: chart for chart in _load("charts")}
    datasets = {dataset["uuid"]: dataset for dataset in _load("datasets")}
    (database,) = _load("databases")
    placed = [
        node["meta"]["uuid"]
        for board in _load("dashboards")
        for node in board["position"].values()
        if isinstance(node, dict) and node.get("type") == "CHART"
    ]
    assert len(placed) == len(set(placed)) and set(placed) == set(charts)
    for chart in charts.values():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in chart["slice_name"]), chart["slice_name"]
        assert datasets[chart["dataset_uuid"]]["database_uuid"] == database["uuid"]
    assert {dataset["schema"] for dataset in datasets.values()} <= {"kpi", "ops"}


def test_superset_reads_the_warehouse_as_the_bi_role() -> None:
    socket = "postgresql://postgres@/metrics?host=/srv/checkout/var/pgdata"
    assert database_uri(socket, "pw") == "postgresql+psycopg2://metrics_bi:pw@/metrics?host=/srv/checkout/var/pgdata"
    tcp = "postgresql://etl:secret@db.internal:5432/metrics"
    assert database_uri(tcp, "pw") == "postgresql+psycopg2://metrics_bi:pw@db.internal:5432/metrics"


def test_bi_settings_have_documented_local_defaults() -> None:
    defaults = load_bi_settings({})
    assert (defaults.port, defaults.admin_user, defaults.url) == (8088, "admin", "http://127.0.0.1:8088")
    assert load_bi_settings({"METRICS_BI_PORT": "18088"}).url == "http://127.0.0.1:18088"


def _provision():
    spec = importlib.util.spec_from_file_location("provision", BI_DIR / "provision.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_kpi_column_labels_come_from_the_kpi_dictionary_only() -> None:
    provision = _provision()
    labels = provision.dictionary_labels()
    assert labels[("kpi_daily", "dau")].startswith("日活跃用户")
    bundle = provision._bundle("postgresql+psycopg2://metrics_bi@/metrics")
    labelled = 0
    for name, text in bundle.items():
        if not name.startswith("datasets/"):
            continue
        dataset, in_file = yaml.safe_load(text), yaml.safe_load((ASSETS / name).read_text(encoding="utf-8"))
        for column, stored in zip(dataset["columns"], in_file["columns"], strict=True):
            label = labels.get((dataset["table_name"], column["column_name"])) if dataset["schema"] == "kpi" else None
            if label:
                assert column["verbose_name"] == label  # what Superset shows: the dictionary's names
                assert stored["verbose_name"] is None  # no second copy in the files
                labelled += 1
    assert labelled > 50
