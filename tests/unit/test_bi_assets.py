"""bi/assets, the Superset dashboards as files, hold together: what a dashboard places exists and points at what exists."""

from __future__ import annotations

import copy
import importlib.util
import json

import pytest
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


# What Explore's save adds to the params when it builds the query context, and what Superset's import adds to the params.
_FORM_DATA_ONLY = {"force", "result_format", "result_type", "include_time"}
_IMPORT_ONLY = {"annotation_layers"}


def _column_name(column) -> str:
    return column if isinstance(column, str) else column["sqlExpression"]


def _disagreements(chart: dict, dataset: dict) -> list[str]:
    """How the chart's stored query context differs from what its params and dataset ask for (empty: they agree)."""
    if not chart.get("query_context"):
        return ["no query_context: save the chart in Explore (or `make bi-resave`), then `make bi-export`"]
    context, params = json.loads(chart["query_context"]), chart["params"]
    form_data, query = context["form_data"], context["queries"][0]
    found = []
    datasource_id, datasource_type = params["datasource"].split("__")
    if context["datasource"] != {"id": int(datasource_id), "type": datasource_type}:
        found.append(f"datasource {context['datasource']} is not the params' {params['datasource']}")
    stale = {key for key in params.keys() - _IMPORT_ONLY if form_data.get(key, ...) != params[key]}
    if stale:
        found.append(f"form_data differs from the params in {sorted(stale)}")
    if extra := form_data.keys() - params.keys() - _FORM_DATA_ONLY:
        found.append(f"form_data has {sorted(extra)}, the params do not")
    metrics = params.get("metrics", [params["metric"]] if "metric" in params else None)
    if params.get("query_mode") != "raw" and query.get("metrics") != metrics:
        found.append(f"metrics {query.get('metrics')} are not the params' {metrics}")
    wanted = [params["x_axis"]] if params.get("x_axis") else []
    wanted += params.get("all_columns" if params.get("query_mode") == "raw" else "groupby") or []
    if [_column_name(column) for column in query["columns"]] != wanted:
        found.append(f"columns {query['columns']} are not the params' {wanted}")
    grains = {column.get("timeGrain") for column in query["columns"] if isinstance(column, dict)} - {None}
    if grains - {params.get("time_grain_sqla")}:
        found.append(f"time grain {grains} is not the params' {params.get('time_grain_sqla')}")
    simple = [
        {"col": f["subject"], "op": f["operator"], "val": f["comparator"]}
        for f in params["adhoc_filters"]
        if f["expressionType"] == "SIMPLE"
    ]
    if query["filters"] != simple:
        found.append(f"filters (time range) {query['filters']} are not the params' {simple}")
    where = " AND ".join(f"({f['sqlExpression']})" for f in params["adhoc_filters"] if f["expressionType"] == "SQL")
    if query["extras"].get("where", "") != where:
        found.append(f"where {query['extras'].get('where')!r} is not the params' {where!r}")
    if (query.get("time_range"), query.get("row_limit")) != (params.get("time_range"), params.get("row_limit")):
        found.append(f"time range / row limit {query.get('time_range')}, {query.get('row_limit')} are not the params'")
    columns = {column["column_name"] for column in dataset["columns"]}
    if unknown := {*wanted, *(f["col"] for f in query["filters"])} - columns:
        found.append(f"{sorted(unknown)} are not columns of the dataset {dataset['table_name']}")
    return found


def test_every_chart_carries_the_query_context_of_its_params_and_dataset() -> None:
    datasets = {dataset["uuid"]: dataset for dataset in _load("datasets")}
    charts = {
        path.name: yaml.safe_load(path.read_text(encoding="utf-8")) for path in (ASSETS / "charts").glob("*.yaml")
    }
    found = {name: _disagreements(chart, datasets[chart["dataset_uuid"]]) for name, chart in charts.items()}
    assert not {name: problems for name, problems in found.items() if problems}
    # one Superset datasource id per dataset, as the export that wrote them had it (the import maps them to its own)
    ids = {(chart["dataset_uuid"], chart["params"]["datasource"]) for chart in charts.values()}
    assert len(ids) == len({uuid for uuid, _ in ids}) == len({datasource for _, datasource in ids})


EDITS = {
    "datasource": lambda p: p.update(datasource="99__table"),
    "metrics": lambda p: p["metrics"][0].update(sqlExpression="MIN(cac)"),
    "columns": lambda p: p.update(groupby=["grade"]),
    "time grain": lambda p: p.update(time_grain_sqla="P1W"),
    "filters (time range)": lambda p: p["adhoc_filters"][0].update(comparator="Last week"),
    "where": lambda p: p["adhoc_filters"][1].update(sqlExpression="cac > 0"),
    "row limit": lambda p: p.update(row_limit=10),
    "not columns of the dataset": lambda p: p.update(x_axis="no_such_column"),
}


@pytest.mark.parametrize(("reported", "edit"), EDITS.items(), ids=list(EDITS))
def test_a_params_edit_without_a_new_query_context_is_reported(reported: str, edit) -> None:
    (path,) = (ASSETS / "charts").glob("CAC_*.yaml")  # a bar chart by channel with a time range and a SQL filter
    chart = yaml.safe_load(path.read_text(encoding="utf-8"))
    (dataset,) = (d for d in _load("datasets") if d["uuid"] == chart["dataset_uuid"])
    assert _disagreements(chart, dataset) == []
    edit(chart["params"])
    assert any(reported in problem for problem in _disagreements(chart, dataset))
    assert _disagreements({**chart, "query_context": None}, dataset)[0].startswith("no query_context")


def test_an_export_writes_each_chart_as_its_file_has_it() -> None:
    provision = _provision()
    for path in (ASSETS / "charts").glob("*.yaml"):
        chart = yaml.safe_load(path.read_text(encoding="utf-8"))
        exported = copy.deepcopy(chart)
        exported["query_context"] = json.dumps(json.loads(chart["query_context"]))  # as Superset's import stores it
        del exported["params"]["annotation_layers"]  # as a save in Explore leaves a viz without annotations
        provision._as_saved(exported)
        assert exported == chart, path.name
