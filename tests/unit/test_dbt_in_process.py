"""The in-process dbt tuning keeps dbt's behaviour: a behaviour flag gets the label dbt-common's own rule gives it; the
patch is made in dbt tasks only (not where the DAG file is parsed) and only on the dbt-common version the lock pins;
the dbt tasks check whether their node is due, then get their process ready, before their command."""

from __future__ import annotations

import logging
from importlib.metadata import version

import pytest
from airflow.dag_processing.dagbag import DagBag
from dbt_common.behavior_flags import BehaviorFlagRendered

from metrics_warehouse import tasks
from metrics_warehouse.dbt import in_process
from tests.unit.test_dag_integrity import DAGS_DIR


def _default_source() -> staticmethod:
    return BehaviorFlagRendered.__dict__["_default_source"]


# Taken at collection, before any test could patch the class.
ORIGINAL_SOURCE = _default_source()


@pytest.fixture
def unpatched():
    """dbt-common as installed, before and after the test."""
    BehaviorFlagRendered._default_source = ORIGINAL_SOURCE
    yield
    BehaviorFlagRendered._default_source = ORIGINAL_SOURCE


@pytest.fixture(scope="module")
def main_dag():
    bag = DagBag(dag_folder=str(DAGS_DIR / "metrics_pipeline.py"))
    assert bag.import_errors == {}
    return bag.dags["metrics_pipeline"]


def _label_from(default_source: staticmethod) -> str:
    """The flag_source a flag created here (this test module) gets with `default_source` in place."""
    saved = _default_source()
    BehaviorFlagRendered._default_source = default_source
    try:
        flag = BehaviorFlagRendered({"name": "some_flag", "default": False, "docs_url": "x"}, {})
    finally:
        BehaviorFlagRendered._default_source = saved
    return flag._behavior_change_event.flag_source


def test_a_flag_gets_the_label_dbt_common_would_give_it() -> None:
    assert ORIGINAL_SOURCE.__func__.__module__ == "dbt_common.behavior_flags"
    assert _label_from(staticmethod(in_process._creating_module)) == _label_from(ORIGINAL_SOURCE) == __name__


def test_parsing_the_dag_file_leaves_dbt_common_alone(unpatched) -> None:
    bag = DagBag(dag_folder=str(DAGS_DIR / "metrics_pipeline.py"))
    assert bag.import_errors == {} and "metrics_pipeline" in bag.dags
    assert _default_source() is ORIGINAL_SOURCE


def test_the_pinned_dbt_common_is_patched(unpatched) -> None:
    assert in_process.pinned_dbt_common() == version("dbt-common"), ".venv is made from requirements.lock"
    assert in_process.patch_behavior_flag_source() is True
    assert _default_source().__func__ is in_process._creating_module


def test_another_dbt_common_is_left_alone_with_a_warning(unpatched, tmp_path, monkeypatch, caplog) -> None:
    lock = tmp_path / "requirements.lock"
    lock.write_text("dbt-core==1.11.16\n    # via astronomer-cosmos\ndbt-common==0.9.0\n    # via dbt-core\n")
    monkeypatch.setattr(in_process, "LOCK_FILE", lock)

    with caplog.at_level(logging.WARNING, logger=in_process.__name__):
        assert in_process.patch_behavior_flag_source() is False

    assert _default_source() is ORIGINAL_SOURCE
    assert f"dbt-common {version('dbt-common')} is installed, 0.9.0 is pinned in {lock}" in caplog.text
    lock.unlink()
    assert in_process.patch_behavior_flag_source() is False, "no lock file: no pin to trust"
    assert _default_source() is ORIGINAL_SOURCE


def test_every_dbt_task_runs_the_skip_check_and_gets_ready_before_its_command(main_dag) -> None:
    dbt_tasks = [task for task in main_dag.tasks if task.task_id.startswith("dbt.")]
    assert dbt_tasks
    assert {task.task_id: task._pre_execute_hook for task in dbt_tasks} == {
        task.task_id: tasks.before_dbt_task for task in dbt_tasks
    }
    # a task whose upstream model was skipped (nothing new for it) still runs when its own inputs changed
    assert {task.trigger_rule for task in dbt_tasks} | {main_dag.get_task("check_kpi_marts").trigger_rule} == {
        "none_failed"
    }
