"""`make demo`'s progress lines, read from `airflow dags test` output as Airflow 3 writes it."""

from __future__ import annotations

from metrics_local.progress import DagProgress, stage_of

LOG = """\
2026-11-30T08:46:41.578340Z [info     ] [DAG TEST] starting task_id=prepare_warehouse map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1501
2026-11-30T08:47:57.759270Z [info     ] Task instance state updated    [airflow.api_fastapi.execution_api.routes.task_instances] loc=task_instances.py:485 new_state=success rows_affected=1
2026-11-30T08:47:58.071826Z [info     ] [DAG TEST] end task task_id=prepare_warehouse map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1563
2026-11-30T08:48:15.180748Z [info     ] [DAG TEST] starting task_id=check_raw_fx_rates map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1501
2026-11-30T08:48:15.537445Z [info     ] Task instance state updated    [airflow.api_fastapi.execution_api.routes.task_instances] loc=task_instances.py:485 new_state=up_for_retry rows_affected=1
2026-11-30T08:48:15.689592Z [info     ] [DAG TEST] end task task_id=check_raw_fx_rates map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1563
2026-11-30T08:49:15.180748Z [info     ] [DAG TEST] starting task_id=check_raw_fx_rates map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1501
2026-11-30T08:49:15.401001Z [error    ] Task failed with exception [task] loc=task_runner.py:1639
Traceback (most recent call last):
  File "/work/plugins/metrics_warehouse/quality/gates.py", line 31, in check_raw_batch
psycopg.OperationalError: consuming input failed: server closed the connection unexpectedly
2026-11-30T08:49:15.537445Z [info     ] Task instance state updated    [airflow.api_fastapi.execution_api.routes.task_instances] loc=task_instances.py:485 new_state=failed rows_affected=1
2026-11-30T08:49:15.689592Z [info     ] [DAG TEST] end task task_id=check_raw_fx_rates map_index=-1 [airflow.sdk.definitions.dag] loc=dag.py:1563
"""


def test_one_line_per_finished_task_numbered_n_of_n_with_its_stage() -> None:
    printed: list[str] = []
    progress = DagProgress(lambda: 55, printed.append)
    for line in LOG.splitlines():
        progress.feed(line)
    assert [line.split()[:4] for line in printed[:3]] == [
        ["[", "1/55]", "prepare", "prepare_warehouse"],
        ["[", "1/55]", "gates", "check_raw_fx_rates"],
        ["[", "2/55]", "gates", "check_raw_fx_rates"],
    ]
    assert "will retry" in printed[1] and "FAILED" in printed[2]


def test_a_failed_task_is_followed_by_what_it_raised() -> None:
    printed: list[str] = []
    progress = DagProgress(lambda: 55, printed.append)
    for line in LOG.splitlines():
        progress.feed(line)
    assert printed[3:] == [
        "      psycopg.OperationalError: consuming input failed: server closed the connection unexpectedly"
    ]


def test_stages() -> None:
    assert [stage_of(t) for t in ("ingest_events", "create_incremental_relations", "dbt.fct_events_model_build")] == [
        "ingest",
        "dbt",
        "dbt",
    ]
    assert [stage_of(t) for t in ("check_raw_surveys", "check_kpi_marts", "publish", "evaluate_alert_rules")] == [
        "gates",
        "KPI checks",
        "publish",
        "alerts",
    ]
