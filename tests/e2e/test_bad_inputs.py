"""One pipeline run (the real DAG) over a clean sample with the catalogue of bad inputs mixed in (tests/e2e/bad_inputs):
the run ends green, builds every KPI table, and accounts for every bad file, record and path; two runs at once on a new
database leave exactly what it left."""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import psycopg
import pytest

from metrics_local.sample import generate
from tests.e2e import bad_inputs
from tests.e2e.bad_inputs import File, Loaded, Skipped
from tests.e2e.conftest import PROJECT, pipeline_env, run_pipeline
from tests.fingerprints import kpi_fingerprint

pytestmark = pytest.mark.e2e

KPI_TABLES = (
    "kpi_daily",
    "kpi_periodic",
    "kpi_retention_cohorts",
    "kpi_retention_curve",
    "kpi_funnel",
    "kpi_channel_daily",
    "kpi_channel_monthly",
    "kpi_user_profile",
    "kpi_feedback_daily",
    "kpi_survey_monthly",
    "kpi_ab_tests",
    "kpi_data_quality",
)


def landing_with_catalogue(root: Path) -> Path:
    landing = root / "landing"
    generate(landing, days=14, users=150, progress=False)
    bad_inputs.write(landing)
    return landing


@pytest.fixture(scope="module")
def catalogue_run(tmp_path_factory, new_database):
    root = tmp_path_factory.mktemp("catalogue")
    landing = landing_with_catalogue(root)
    with new_database(create=False) as url:
        result = run_pipeline(pipeline_env(landing, url, root))
        (root / "pipeline.log").write_text(result.stdout + result.stderr)
        errors = [
            line for line in result.stdout.splitlines() if "ERROR" in line or "Failure" in line or "FAIL " in line
        ]
        assert result.returncode == 0, f"the pipeline failed: log in {root / 'pipeline.log'}\n" + "\n".join(
            errors[-40:]
        )
        yield url, landing, root


def rows(url: str, query: str, *params) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchall()


def test_the_catalogue_holds_at_least_60_cases_of_every_kind() -> None:
    assert len(bad_inputs.CASES) >= 60
    assert {type(case.expect) for case in bad_inputs.CASES} == {Loaded, File, Skipped}
    assert len({case.path for case in bad_inputs.CASES}) == len(bad_inputs.CASES)


def test_every_file_case_has_its_ledger_row_and_its_quarantined_records(catalogue_run) -> None:
    url = catalogue_run[0]
    ledger = {path: row for path, *row in rows(url, "select path, status, message, records_read, records_loaded, "
                                                    "records_quarantined, records_skipped from ops.ingest_ledger")}  # fmt: skip
    quarantine = rows(url, "select path, line_number, reason from ops.quarantine")
    wrong = []
    for case in bad_inputs.CASES:
        path = bad_inputs.stored_path(case)
        expect = case.expect
        if isinstance(expect, Skipped):
            continue
        status, message, read, loaded, quarantined, skipped = ledger.get(path, (None,) * 6)
        found = sorted((line, reason) for p, line, reason in quarantine if p == path)
        if isinstance(expect, File):
            ok = status == expect.status and (expect.reason is None or (message or "").startswith(expect.reason))
            ok = ok and loaded == 0 and found == []
        else:
            ok = status == "loaded" and found == sorted(expect.quarantined.items())
            ok = ok and read == bad_inputs.records(case) and loaded + quarantined + skipped == read
        if not ok:
            wrong.append((path, expect, status, message, found))
    assert wrong == []


def test_every_path_that_is_no_landing_file_is_recorded_once_with_its_reason(catalogue_run) -> None:
    skipped = dict(rows(catalogue_run[0], "select path, reason from ops.landing_skipped"))
    expected = {
        bad_inputs.skipped_path(case): case.expect.reason
        for case in bad_inputs.CASES
        if isinstance(case.expect, Skipped)
    }
    assert {path: skipped.get(path) for path in expected} == expected


def test_every_path_in_the_landing_zone_is_accounted_for(catalogue_run) -> None:
    url, landing, _ = catalogue_run
    known = {path for (path,) in rows(url, "select path from ops.ingest_ledger")}
    skipped = {path for (path,) in rows(url, "select path from ops.landing_skipped")}
    unaccounted = []
    for folder, dirs, files in os.walk(landing):
        for name in files + [d for d in dirs if os.path.islink(os.path.join(folder, d))]:
            relpath = os.fsencode(os.path.relpath(os.path.join(folder, name), landing)).decode(
                "utf-8", "backslashreplace"
            )
            parts = relpath.split("/")
            if relpath not in known and not any("/".join(parts[:n]) in skipped for n in range(1, len(parts) + 1)):
                unaccounted.append(relpath)
    assert unaccounted == []


def test_every_kpi_table_is_built_for_the_good_data(catalogue_run) -> None:
    counts = {table: rows(catalogue_run[0], f"select count(*) from kpi.{table}")[0][0] for table in KPI_TABLES}
    assert all(counts[t] > 0 for t in KPI_TABLES if t != "kpi_ab_tests"), counts


def test_odd_but_valid_values_are_read_as_the_rules_say(catalogue_run) -> None:
    url = catalogue_run[0]
    event_at = dict(rows(url, "select event_id, event_at at time zone 'UTC' from staging.stg_raw__events "
                              "where event_id in ('cat-6', 'cat-2', 'cat-4', 'cat-21', 'cat-23')"))  # fmt: skip
    assert str(event_at["cat-6"]) == "2026-11-14 02:00:00"  # the tab after Z kept the Z
    assert str(event_at["cat-2"]) == "2026-11-14 02:00:00.500000"
    assert {str(event_at[e]) for e in ("cat-4", "cat-21", "cat-23")} == {"2026-11-14 04:00:00"}
    assert rows(url, "select amount from staging.stg_raw__events where event_id = 'cat-11'") == [(Decimal(123),)]
    assert rows(url, "select nps_score from staging.stg_raw__survey_responses where response_id = 'cat-r1040'") == [
        (10,)
    ]
    spend = dict(rows(url, "select campaign_id, spend from staging.stg_raw__marketing_spend "
                           "where campaign_id in ('cat-c1054', 'cat-c1058', 'cat-c1059')"))  # fmt: skip
    assert spend == {"cat-c1054": Decimal(123), "cat-c1058": Decimal("12.50"), "cat-c1059": Decimal("12.50")}


def test_two_runs_at_once_on_a_new_database_leave_what_one_run_leaves(catalogue_run, new_database, tmp_path) -> None:
    url, landing, _ = catalogue_run
    with new_database(create=False) as fresh:
        env = pipeline_env(landing, fresh, tmp_path)
        runs = [
            subprocess.Popen(
                [sys.executable, "-m", "metrics_local", "run"],
                env=env,
                cwd=PROJECT,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _ in range(2)
        ]
        outputs = [run.communicate(timeout=1800)[0] for run in runs]
        assert [run.returncode for run in runs] == [0, 0], outputs[0][-2000:] + outputs[1][-2000:]
        assert any("waiting for another run" in output for output in outputs)
        assert kpi_fingerprint(fresh) == kpi_fingerprint(url)
        assert rows(fresh, "select count(*) from ops.ingest_ledger where validated_at is null "
                           "and status <> 'duplicate_file'") == [(0,)]  # fmt: skip
