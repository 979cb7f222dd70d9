"""Run a `Suite` as a Great Expectations checkpoint and turn its results into `CheckResult`s.

GX objects live in an ephemeral context (gates run in parallel tasks, so nothing is written to a shared
great_expectations.yml); the validation results are rendered into the Data Docs site under var/gx/data_docs.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg

from metrics_warehouse.quality.results import CRITICAL, CheckResult
from metrics_warehouse.quality.suites import Asset, Suite
from metrics_warehouse.quality.work_tables import SCHEMA as WORK_SCHEMA
from metrics_warehouse.quality.work_tables import spark_work_table, work_table
from metrics_warehouse.settings import VAR_DIR
from metrics_warehouse.spark.connection import SparkQueryError
from metrics_warehouse.warehouse.connection import sqlalchemy_url

log = logging.getLogger(__name__)

GX_DIR = VAR_DIR / "gx"
DATA_DOCS_DIR = GX_DIR / "data_docs"
DATA_DOCS_SITE = "metrics_warehouse"


def run_suite(
    url: str, suite: Suite, run_id: str, spark_url: str | None = None
) -> tuple[list[CheckResult], str | None]:
    """Validate every asset of the suite; returns the results and the Data Docs index path (None if not built). With
    `spark_url` (the models are built on Spark), the assets that read models run there."""
    import warnings

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.datasource.fluent.interfaces import TestConnectionError

    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    with warnings.catch_warnings():  # add_postgres would reject unix-socket URLs; the generic SQL source is intended
        warnings.simplefilter("ignore")
        datasource = context.data_sources.add_sql(name="warehouse", connection_string=sqlalchemy_url(url))
    results: list[CheckResult] = []
    with contextlib.ExitStack() as work_tables:
        validations = []
        for asset in suite.assets:
            name = f"{suite.name}.{asset.name}"
            try:
                data_asset = _data_asset(datasource, name, url, asset, work_tables, spark_url)
            except (
                psycopg.Error,
                TestConnectionError,
                SparkQueryError,
            ) as error:  # the query failed, or the table is missing
                results.extend(_query_failed(suite, asset, str(error)))
                continue
            batch_definition = data_asset.add_batch_definition_whole_table("batch")
            gx_suite = context.suites.add(gx.ExpectationSuite(name=name, expectations=asset.expectations))
            validation = gx.ValidationDefinition(name=name, data=batch_definition, suite=gx_suite)
            validations.append((asset, context.validation_definitions.add(validation)))
        # One checkpoint per asset: each needs its own unexpected_index_column_names.
        for asset, validation in validations:
            result_format: dict[str, Any] = {"result_format": "COMPLETE", "partial_unexpected_count": 20}
            if asset.index_columns:
                result_format["unexpected_index_column_names"] = list(asset.index_columns)
            checkpoint = context.checkpoints.add(
                gx.Checkpoint(name=validation.name, validation_definitions=[validation], result_format=result_format)
            )
            run = checkpoint.run(run_id=gx.RunIdentifier(run_name=run_id))
            for validation_result in run.run_results.values():
                failed_query = _query_error(validation_result.results)
                if failed_query is not None:
                    results.extend(_query_failed(suite, asset, failed_query))
                    continue
                for expectation_result in validation_result.results:
                    results.extend(_check_results(suite, asset.target, expectation_result))
    return results, _build_data_docs(context)


def _data_asset(
    datasource, name: str, url: str, asset: Asset, work_tables: contextlib.ExitStack, spark_url: str | None = None
):
    """What GX validates: the asset's table (its target, when it has no query, or its work table), else its query.
    A query over the models built on Spark runs there, into a work table.

    A table, whenever there is one: GX learns a query asset's columns by running the whole query and fetching every
    row into memory (the raw gate over 10M events peaked at 3 GB), a table's from the catalog.
    """
    if asset.reads_models and spark_url:
        table = work_tables.enter_context(spark_work_table(url, spark_url, asset.name, asset.query))
        return datasource.add_table_asset(name=name, table_name=table, schema_name=WORK_SCHEMA)
    if asset.query is None:
        schema, table = asset.target.split(".")
        return datasource.add_table_asset(name=name, table_name=table, schema_name=schema)
    if asset.work_split is None:  # wrapped: GX wants a plain SELECT, and assets use CTEs
        return datasource.add_query_asset(name=name, query=f"select * from ({asset.query.strip()}) as asset")
    table = work_tables.enter_context(work_table(url, asset.name, asset.query, asset.work_split))
    return datasource.add_table_asset(name=name, table_name=table, schema_name=WORK_SCHEMA)


def _query_error(expectation_results) -> str | None:
    """The error of an asset's query when it failed (then every expectation on it raised)."""
    errors = [_raised(r.exception_info) for r in expectation_results]
    return errors[0] if errors and all(errors) else None


def _raised(info: dict | None) -> str | None:
    """The message of an exception GX caught: in the info itself, or per metric (a dict of such infos)."""
    if not info:
        return None
    if "raised_exception" in info:
        return (info.get("exception_message") or "an exception") if info["raised_exception"] else None
    return next((message for one in info.values() if isinstance(one, dict) and (message := _raised(one))), None)


def _query_failed(suite: Suite, asset, error: str) -> list[CheckResult]:
    """One critical result for the asset, not one per expectation: its query failed (the batch cannot be judged)."""
    return [
        CheckResult(
            suite=suite.name,
            target=asset.target,
            expectation=f"{asset.name}_query_failed",
            severity=CRITICAL,
            success=False,
            observed_value=None,
            details={"exception": error[:2000]},
            source=suite.source,
            delivery_date=day,
            file_ids=None,
        )
        for day in (suite.delivery_dates or [None])
    ]


def _check_results(suite: Suite, target: str, expectation_result) -> list[CheckResult]:
    config = expectation_result.expectation_config
    result = expectation_result.result or {}
    severity = getattr(config.severity, "value", config.severity)
    details = {
        "expectation_type": config.type,
        "kwargs": _jsonable({k: v for k, v in config.kwargs.items() if k != "batch_id"}),
        "description": config.description,
    }
    if exception := _raised(expectation_result.exception_info):
        details["exception"] = exception
    common = dict(
        suite=suite.name, target=target, expectation=config.meta["check"], severity=severity, source=suite.source
    )

    index_rows = result.get("unexpected_index_list")
    if index_rows is not None and not expectation_result.success:
        common["file_ids"] = frozenset(row["file_id"] for row in index_rows if row.get("file_id") is not None)
    dates = suite.delivery_dates or [None]
    if index_rows is not None and dates != [None]:
        # Row-level expectation: a delivery date fails only if one of its rows is unexpected.
        unexpected_by_date = Counter(row.get("delivery_date") for row in index_rows)
        return [
            CheckResult(
                **common,
                delivery_date=day,
                success=expectation_result.success or unexpected_by_date[day] == 0,
                observed_value=f"{unexpected_by_date[day]} unexpected",
                details={
                    **details,
                    "examples": _jsonable([r for r in index_rows if r.get("delivery_date") == day][:5]),
                },
            )
            for day in dates
        ]
    if index_rows is not None:
        observed = f"{result.get('unexpected_count', 0)} unexpected of {result.get('element_count')}"
        details["examples"] = _jsonable(index_rows[:5])
    else:
        observed = None if "observed_value" not in result else json.dumps(_jsonable(result["observed_value"]))
        details["examples"] = _jsonable(result.get("partial_unexpected_list", [])[:5])
    return [
        CheckResult(
            **common, delivery_date=day, success=expectation_result.success, observed_value=observed, details=details
        )
        for day in dates
    ]


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str))


def _build_data_docs(context) -> str | None:
    """Render the results into var/gx/data_docs; pages of earlier runs stay, the index lists this run."""
    try:
        DATA_DOCS_DIR.mkdir(parents=True, exist_ok=True)
        context.add_data_docs_site(
            site_name=DATA_DOCS_SITE,
            site_config={
                "class_name": "SiteBuilder",
                "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(DATA_DOCS_DIR)},
                "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
            },
        )
        with open(GX_DIR / "data_docs.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            context.build_data_docs(site_names=[DATA_DOCS_SITE])
        return str(Path(DATA_DOCS_DIR) / "index.html")
    except Exception:  # noqa: BLE001 - the docs are a convenience; the results are already in the warehouse
        log.exception("building GX Data Docs failed")
        return None
