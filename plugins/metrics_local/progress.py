"""Progress of a DAG run under `airflow dags test`, read from its log: task n of N and the stage each task belongs to."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

STARTING = re.compile(r"\[DAG TEST\] starting task_id=(\S+)")
ENDED = re.compile(r"\[DAG TEST\] end task task_id=(\S+)")
NEW_STATE = re.compile(r"new_state=(\w+)")
# The last line of a Python traceback: what a failed task raised (psycopg.OperationalError: ..., QualityGateFailed: ...).
RAISED = re.compile(r"^\s*((?:\w+\.)*\w*(?:Error|Exception|Failed): .*\S)")
FINAL_STATES = {"success": "ok", "skipped": "skipped", "failed": "FAILED", "upstream_failed": "FAILED"}

# (task id prefix, stage), first match wins
STAGES = (
    ("prepare_warehouse", "prepare"),
    ("ingest_", "ingest"),
    ("check_raw_", "gates"),
    ("create_incremental_relations", "dbt"),
    ("dbt.", "dbt"),
    ("check_kpi_marts", "KPI checks"),
    ("publish", "publish"),
    ("evaluate_alert_rules", "alerts"),
)


def stage_of(task_id: str) -> str:
    return next((stage for prefix, stage in STAGES if task_id.startswith(prefix)), "other")


class DagProgress:
    """Fed the run's log line by line; prints one line per finished task: `[ n/N] stage  task  outcome  seconds`."""

    def __init__(self, count_tasks: Callable[[], int | None], out: Callable[[str], None] = print) -> None:
        self._count_tasks = count_tasks
        self._out = out
        self.total: int | None = None
        self.finished: set[str] = set()
        self._state: str | None = None
        self._started: dict[str, float] = {}
        self._raised: str | None = None

    def feed(self, line: str) -> None:
        if match := NEW_STATE.search(line):
            self._state = match[1]
        elif match := STARTING.search(line):
            if self.total is None:  # the run and all its task instances exist once the first task starts
                self.total = self._count_tasks()
            self._started[match[1]] = time.monotonic()
            self._state = self._raised = None
        elif match := ENDED.search(line):
            self._ended(match[1])
        elif match := RAISED.match(line):
            self._raised = match[1]

    def _ended(self, task_id: str) -> None:
        seconds = time.monotonic() - self._started.get(task_id, time.monotonic())
        outcome = FINAL_STATES.get(self._state or "", f"{self._state or 'ended'}, will retry")
        if self._state in FINAL_STATES:
            self.finished.add(task_id)
        total = self.total or "?"
        width = len(str(total))
        position = f"[{len(self.finished):>{width}}/{total}]"
        self._out(f"  {position} {stage_of(task_id):<10} {task_id:<48} {outcome} ({seconds:.0f}s)")
        if self._state != "success" and self._raised:
            self._out(f"      {self._raised}")
