"""Which warehouse a command talks to: METRICS_WAREHOUSE_URL, or the embedded server; and with METRICS_ENGINE=spark,
which Spark cluster builds the models: METRICS_SPARK_THRIFT_URL, or the local standalone cluster."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from metrics_local import embedded
from metrics_warehouse.settings import Settings


@contextlib.contextmanager
def warehouse(settings: Settings) -> Iterator[str]:
    """Yield the warehouse URL; an embedded server started here is stopped on exit."""
    if settings.warehouse_url:
        yield settings.warehouse_url
        return
    url, started_here = embedded.start()
    try:
        yield url
    finally:
        if started_here:
            embedded.stop()


@contextlib.contextmanager
def pipeline_target(settings: Settings) -> Iterator[str]:
    """The warehouse URL, as `warehouse`; with METRICS_ENGINE=spark and no METRICS_SPARK_THRIFT_URL, also the local
    Spark cluster (var/spark), started here unless it runs and then stopped on exit, as the embedded server is. Its
    URL is METRICS_SPARK_THRIFT_URL for everything started inside (the Airflow connection `metrics_spark`)."""
    with warehouse(settings) as url:
        if settings.engine != "spark" or settings.spark_thrift_url:
            yield url
            return
        from metrics_local.spark_cluster import local_cluster

        cluster = local_cluster()
        thrift_url, started_here = cluster.start()
        os.environ["METRICS_SPARK_THRIFT_URL"] = thrift_url
        try:
            yield url
        finally:
            del os.environ["METRICS_SPARK_THRIFT_URL"]
            if started_here:
                cluster.stop()
