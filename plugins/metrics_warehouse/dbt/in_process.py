"""Make dbt cheap to run many times in one long-lived process, as Cosmos' dbt-runner tasks do.

Measured in an Airflow task process (about 3,000 modules loaded, deep call stacks), two fixed costs dominated a
per-model dbt build that itself takes a few hundred milliseconds:

- Cosmos calls `gc.collect()` after every dbt command; a full collection walks every object Airflow, Cosmos and dbt
  have imported. `gc.freeze()` before each dbt task moves what exists then to the permanent generation, which
  collections skip: modules, classes, the parsed DAG and dbt's caches, alive anyway (the previous dbt task's
  collection has just removed its garbage).
- dbt-common labels each of an adapter's behaviour flags with the module that created it by calling
  `inspect.stack()`, which reads source lines of every frame and scans `sys.modules`; an adapter is created for every
  dbt command. The same label comes from walking frame globals. This replaces a private method of dbt-common, so it is
  done only in a dbt task's process (never where the DAG file is merely parsed) and only on the dbt-common version
  pinned in requirements.lock, the one the tests check it against.
"""

from __future__ import annotations

import gc
import logging
import re
import sys
from importlib.metadata import version

from metrics_warehouse.settings import PROJECT_ROOT

log = logging.getLogger(__name__)

LOCK_FILE = PROJECT_ROOT / "requirements.lock"


def prepare_dbt_task() -> None:
    """Before a dbt task's command (its `pre_execute`)."""
    patch_behavior_flag_source()
    freeze_heap()


def pinned_dbt_common() -> str | None:
    """The dbt-common version requirements.lock pins (None without the file or the pin)."""
    text = LOCK_FILE.read_text(encoding="utf-8") if LOCK_FILE.exists() else ""
    match = re.search(r"^dbt-common==(\S+)$", text, re.MULTILINE)
    return match[1] if match else None


def _creating_module() -> str:
    """The name of the first module outside dbt_common.behavior_flags on the call stack (dbt-common's own rule)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") == "dbt_common.behavior_flags":
        frame = frame.f_back
    return frame.f_globals.get("__name__", "Unknown") if frame is not None else "Unknown"


def patch_behavior_flag_source() -> bool:
    """Label behaviour flags without `inspect.stack()`; on a dbt-common version other than the pinned one, leave
    dbt-common's own labelling (slower, the same labels) and say so. Whether it patched."""
    from dbt_common.behavior_flags import BehaviorFlagRendered

    installed, pinned = version("dbt-common"), pinned_dbt_common()
    if installed != pinned:
        log.warning(
            "dbt-common %s is installed, %s is pinned in %s: behaviour flags keep dbt-common's own labelling "
            "(inspect.stack(), slower per dbt command)",
            installed,
            pinned,
            LOCK_FILE,
        )
        return False
    BehaviorFlagRendered._default_source = staticmethod(_creating_module)
    return True


def freeze_heap() -> None:
    """What is alive now is not walked by Cosmos' collection after the dbt command."""
    gc.freeze()
