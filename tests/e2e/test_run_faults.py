"""Whole pipeline runs (the real DAG: ingestion, GX gates, dbt, report) killed with SIGKILL at seeded random moments,
then run again, leave what one clean run leaves: every kpi table (an md5 of its ordered rows), the raw gate's verdict
on every file (each validated, none checked twice) and a whole report.

Design, to keep the cost near that of a few runs: a reference run on a new database over a tiny landing zone gives
the clean state and the duration D of a run. Then chains: on a new database, run k is killed (the run's process tree,
dbt's sessions included) at moment m_k = Random(SEED + k).uniform(0, D) after its start; run k + 1 is the rerun of kill
k, and is itself killed at m_(k+1); ... A run that ends before its moment is the rerun of the chain's kills: the
warehouse is compared with the clean state right there, and the next chain starts on a new database. After the last kill
one rerun goes to completion and is compared. METRICS_RUN_KILLS kills are made: 8 in `make test` (5 to 18 minutes
here, by how busy the other test worker keeps the machine: a kill costs half a run on average, and each chain ends with
a whole run), 50 in `make soak`.
Each trial's moment and the tasks running at the kill (from the run's Airflow log) are printed, written to trials.txt in
the test's temporary folder and named in a failure.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from tests.e2e import killed_runs

pytestmark = pytest.mark.e2e

TRIALS = int(os.environ.get("METRICS_RUN_KILLS") or 8)
SEED = int(os.environ.get("METRICS_FAULT_SEED") or 20261130)


def test_the_reference_run_built_every_kpi_and_validated_every_file(tiny_reference) -> None:
    state = tiny_reference.state
    assert state["report"] == "whole"
    assert state["files without a verdict"] == state["raw suites run twice"] == "0"
    assert all(
        not value.startswith("0:") for key, value in state.items() if key.startswith("kpi_") and key != "kpi_ab_tests"
    )


# A kill and its share of its chain's last run cost about 65 s on a quiet machine.
@pytest.mark.timeout(max(1800, TRIALS * 180))
def test_runs_killed_at_seeded_moments_then_rerun_leave_what_one_clean_run_leaves(
    tiny_reference, new_database, tmp_path: Path
) -> None:
    clean, duration = tiny_reference.state, tiny_reference.seconds
    trials: list[str] = []
    draw = chain = 0
    while len(trials) < TRIALS:
        chain += 1
        kills: list[str] = []
        with new_database(create=False) as url:
            chain_root = tmp_path / f"chain-{chain}"
            env = tiny_reference.env(url, chain_root)
            while True:
                moment = random.Random(SEED + draw).uniform(0.0, duration) if len(trials) < TRIALS else None
                draw += 1
                outcome = killed_runs.run(env, chain_root / f"run-{draw}.out", kill_at=moment)
                if outcome.returncode is None:
                    trial = f"trial {len(trials) + 1}: chain {chain}, killed at {moment:.1f}s of {duration:.1f}s during {outcome.running}"
                    print(trial, flush=True)
                    with (tmp_path / "trials.txt").open("a") as record:
                        record.write(trial + "\n")
                    trials.append(trial)
                    kills.append(trial)
                    continue
                print(f"chain {chain}: run ended after {outcome.seconds:.1f}s (code {outcome.returncode})", flush=True)
                assert outcome.returncode == 0, "\n".join([*kills, outcome.output[-3000:]])
                state = killed_runs.warehouse_state(url, chain_root / "report")
                differ = {
                    key: (clean.get(key), state.get(key))
                    for key in {*clean, *state}
                    if clean.get(key) != state.get(key)
                }
                assert differ == {}, "\n".join([f"after {len(kills)} kill(s) the warehouse differs: {differ}", *kills])
                break
