"""Make dbt cheap to run many times in one long-lived process, as Cosmos' dbt-runner tasks do.

Measured in an Airflow task process (about 3,000 modules loaded, deep call stacks), two fixed costs dominated a
per-model dbt build that itself takes a few hundred milliseconds:

- Cosmos calls `gc.collect()` after every dbt command; a full collection walks every object Airflow, Cosmos and dbt
  have imported. `gc.freeze()` before each dbt task moves what exists then to the permanent generation, which
  collections skip: modules, classes, the parsed DAG and dbt's caches, alive anyway (the previous dbt task's
  collection has just removed its garbage).
- dbt-common labels each of an adapter's behaviour flags with the module that created it by calling
  `inspect.stack()`, which reads source lines of every frame and scans `sys.modules`; an adapter is created for every
  dbt command. The same label comes from walking frame globals.
"""

from __future__ import annotations

import gc
import sys


def _creating_module() -> str:
    """The name of the first module outside dbt_common.behavior_flags on the call stack (dbt-common's own rule)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == "dbt_common.behavior_flags":
        frame = frame.f_back
    return frame.f_globals.get("__name__", "Unknown") if frame is not None else "Unknown"


def patch_behavior_flag_source() -> None:
    """At DAG parse: label behaviour flags without `inspect.stack()`."""
    from dbt_common.behavior_flags import BehaviorFlagRendered

    BehaviorFlagRendered._default_source = staticmethod(_creating_module)


def freeze_heap() -> None:
    """Before a dbt task's command: what is alive now is not walked by Cosmos' collection after it."""
    gc.freeze()
