"""The in-process dbt tuning keeps dbt's behaviour: a behaviour flag gets the label dbt-common's own rule gives it, and
the dbt tasks check whether their node is due, then freeze the heap, before their command."""

from __future__ import annotations

from dbt_common.behavior_flags import BehaviorFlagRendered

from metrics_warehouse import orchestration
from metrics_warehouse.dbt import in_process

# Taken at collection, before any test imports the DAG file (which patches the class).
ORIGINAL_SOURCE = BehaviorFlagRendered.__dict__["_default_source"]


def _label_from(default_source: staticmethod) -> str:
    """The flag_source a flag created here (this test module) gets with `default_source` in place."""
    saved = BehaviorFlagRendered.__dict__["_default_source"]
    BehaviorFlagRendered._default_source = default_source
    try:
        flag = BehaviorFlagRendered({"name": "some_flag", "default": False, "docs_url": "x"}, {})
    finally:
        BehaviorFlagRendered._default_source = saved
    return flag._behavior_change_event.flag_source


def test_a_flag_gets_the_label_dbt_common_would_give_it() -> None:
    assert ORIGINAL_SOURCE.__func__.__module__ == "dbt_common.behavior_flags"
    assert _label_from(staticmethod(in_process._creating_module)) == _label_from(ORIGINAL_SOURCE) == __name__


def test_every_dbt_task_runs_the_skip_check_and_the_freeze_before_its_command() -> None:
    from airflow.dag_processing.dagbag import DagBag

    from tests.unit.test_dag_integrity import DAGS_DIR

    dag = DagBag(dag_folder=str(DAGS_DIR / "metrics_pipeline.py")).dags["metrics_pipeline"]
    dbt_tasks = [task for task in dag.tasks if task.task_id.startswith("dbt.")]
    assert dbt_tasks
    assert {task.task_id: task._pre_execute_hook for task in dbt_tasks} == {
        task.task_id: orchestration.before_dbt_task for task in dbt_tasks
    }
    # a task whose upstream model was skipped (nothing new for it) still runs when its own inputs changed
    assert {task.trigger_rule for task in dbt_tasks} | {dag.get_task("check_kpi_marts").trigger_rule} == {"none_failed"}
