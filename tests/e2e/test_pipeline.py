"""The whole pipeline on a generated sample: the real DAG, real dbt, real GX, real PostgreSQL.

Every KPI asserted here is recomputed from the landing files with pandas (tests/e2e/independent.py).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import psycopg
import pytest

from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.settings import DBT_PROJECT_DIR
from metrics_warehouse.warehouse.connection import dbt_env
from tests.e2e import independent

pytestmark = pytest.mark.e2e


def query(url: str, sql: str) -> pd.DataFrame:
    with psycopg.connect(url) as conn:
        cursor = conn.execute(sql)
        return pd.DataFrame(cursor.fetchall(), columns=[c.name for c in cursor.description])


@pytest.fixture(scope="module")
def clean_events(pipeline):
    return independent.events(pipeline.landing, pipeline.sample)


@pytest.fixture(scope="module")
def kpi_daily(pipeline) -> pd.DataFrame:
    return query(pipeline.url, "select * from kpi.kpi_daily order by date").set_index("date")


def test_every_planted_defect_is_quarantined_or_rejected_where_it_was_planted(pipeline) -> None:
    quarantined = query(pipeline.url, "select path, line_number, reason from ops.quarantine")
    found = Counter(zip(quarantined.path, quarantined.line_number, quarantined.reason, strict=True))
    expected = Counter(
        (d.path, d.line, d.reason) for d in pipeline.sample.defects if d.outcome == "quarantined" and d.line is not None
    )
    assert found == expected
    ledger = query(pipeline.url, "select path, status, message from ops.ingest_ledger").set_index("path")
    for defect in pipeline.sample.defects:
        if defect.line is None and defect.outcome in ("rejected", "duplicate_file", "empty"):
            assert ledger.loc[defect.path, "status"] == defect.outcome, defect
            if defect.outcome == "rejected":
                assert ledger.loc[defect.path, "message"].startswith(defect.reason), defect


def test_ledger_reconciles_with_what_was_generated(pipeline) -> None:
    loaded = query(pipeline.url, "select source, sum(records_loaded)::int as n from ops.ingest_ledger group by source")
    by_source = dict(zip(loaded.source, loaded.n, strict=True))
    for source in SOURCE_NAMES:
        assert by_source[source] == pipeline.sample.expected_loaded(source), source
    quality = query(
        pipeline.url, "select bool_and(reconciled) as ok, sum(files)::int as files from kpi.kpi_data_quality"
    )
    assert quality.ok[0]


def test_dau_wau_mau_and_new_users_match_an_independent_computation(pipeline, clean_events, kpi_daily) -> None:
    active = independent.active_days(clean_events)
    dau = active.groupby("date").user_id.nunique()
    signups = independent.users(clean_events, independent.channel_aliases())
    new_users = signups.groupby("signup_date").user_id.nunique()
    as_of = independent.as_of_date(clean_events)
    assert kpi_daily.index.max() == as_of
    assert len(kpi_daily) == (kpi_daily.index.max() - kpi_daily.index.min()).days + 1  # no gaps
    users_by_day = active.groupby("date").user_id.apply(set).to_dict()

    def active_within(day, days: int) -> int:
        window = (users_by_day.get(day - pd.Timedelta(days=back), set()) for back in range(days))
        return len(set().union(*window))

    for day, row in kpi_daily.iterrows():
        assert row.dau == dau.get(day, 0), day
        assert (row.wau, row.mau) == (active_within(day, 7), active_within(day, 30)), day
        assert row.new_users == new_users.get(day, 0), day
    assert kpi_daily.dau.sum() > 0 and kpi_daily.new_users.sum() == len(signups[signups.signup_date <= as_of])


def test_aov_matches_an_independent_computation(pipeline, clean_events, kpi_daily) -> None:
    rates = independent.fx_rates(pipeline.landing, pipeline.sample)
    orders = independent.orders(clean_events, rates)
    for day, group in orders.groupby("date"):
        if day not in kpi_daily.index:
            continue
        row = kpi_daily.loc[day]
        assert row.orders == len(group), day
        assert float(row.aov) == pytest.approx(float(sum(group.amount_reporting) / len(group)), rel=1e-9), day
    assert kpi_daily.orders.sum() > 0


def test_d7_retention_matches_an_independent_computation(pipeline, clean_events) -> None:
    cohorts = query(pipeline.url, "select * from kpi.kpi_retention_cohorts").set_index("signup_date")
    signups = independent.users(clean_events, independent.channel_aliases())
    active = set(map(tuple, independent.active_days(clean_events).itertuples(index=False)))
    as_of = independent.as_of_date(clean_events)
    mature = 0
    for signup_date, cohort in signups.groupby("signup_date"):
        row = cohorts.loc[signup_date]
        assert row.cohort_size == len(cohort)
        if signup_date + pd.Timedelta(days=7) > as_of:
            assert pd.isna(row.retention_d7), signup_date
            continue
        mature += 1
        retained = sum((u, signup_date + pd.Timedelta(days=7)) in active for u in cohort.user_id)
        assert row.retained_d7 == retained
        assert float(row.retention_d7) == pytest.approx(retained / len(cohort), rel=1e-12)
    assert mature > 5


def test_cac_matches_an_independent_computation(pipeline, clean_events, kpi_daily) -> None:
    rates = independent.fx_rates(pipeline.landing, pipeline.sample)
    spend = independent.daily_spend(pipeline.landing, pipeline.sample, rates)
    signups = independent.users(clean_events, independent.channel_aliases())
    paid = signups[signups.channel.isin(independent.paid_channels())].groupby("signup_date").user_id.nunique()
    checked = 0
    for day, row in kpi_daily.iterrows():
        assert Decimal(row.marketing_spend) == spend.get(day, Decimal(0)), day
        if paid.get(day, 0):
            assert float(row.cac) == pytest.approx(float(spend.get(day, Decimal(0)) / paid[day]), rel=1e-9), day
            checked += 1
        else:
            assert row.cac is None or pd.isna(row.cac)
    assert checked > 5


def test_nps_matches_an_independent_computation(pipeline) -> None:
    expected = independent.survey_nps(pipeline.landing, pipeline.sample)
    surveys = query(pipeline.url, "select month_start, survey_id, nps from kpi.kpi_survey_monthly")
    assert len(surveys) == len(expected)
    for row in surveys.itertuples():
        want = expected[(row.month_start, row.survey_id)]
        assert (row.nps is None and want is None) or float(row.nps) == pytest.approx(want, rel=1e-9)


def test_quality_gates_ran_and_the_report_was_written(pipeline) -> None:
    results = query(pipeline.url, "select suite, success from ops.quality_results")
    assert len(results) > 0 and {"kpi_marts"} & set(results.suite.str.lower())
    assert "运营日报" in (pipeline.landing.parent / "report" / "index.html").read_text(encoding="utf-8")


def test_the_first_run_on_a_new_database_needs_no_retry(pipeline) -> None:
    # A task that only passes on its retry hides an ordering bug (a test run before one of the models it reads).
    assert "will retry" not in pipeline.output


def test_a_second_run_changes_nothing(pipeline) -> None:
    def snapshot() -> dict[str, str]:
        tables = query(pipeline.url, "select table_name from information_schema.tables where table_schema = 'kpi'")
        return {
            t: query(pipeline.url, f"select md5(string_agg(k::text, '|' order by k::text)) as h from kpi.{t} as k").h[0]
            for t in tables.table_name
        }

    ledger_before = query(pipeline.url, "select count(*) as n from ops.ingest_ledger").n[0]
    before = snapshot()
    result = pipeline.run_again()
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert query(pipeline.url, "select count(*) as n from ops.ingest_ledger").n[0] == ledger_before
    after = snapshot()
    assert before == after
    # Nothing new and the same project: the second run skipped the dbt build (one build recorded, the first run's).
    assert query(pipeline.url, "select count(*) as n from ops.dbt_builds").n[0] == 1
    # ... and still evaluated the alert rules, as the first run did (its last task, not skipped with the build)
    for output in (pipeline.output, result.stdout):
        assert re.search(r"\] alerts +evaluate_alert_rules +ok ", output), output[-4000:]


def test_semantic_layer_metrics_query_through_metricflow(pipeline, kpi_daily, tmp_path) -> None:
    """The dbt semantic models answer `mf query` with the same numbers as the KPI marts."""
    project = tmp_path / "dbt_project"
    shutil.copytree(DBT_PROJECT_DIR, project, ignore=shutil.ignore_patterns("target", "logs"))
    env = {**pipeline.env, **dbt_env(pipeline.url)}
    bin_dir = Path(sys.executable).parent
    subprocess.run([bin_dir / "dbt", "parse", "--profiles-dir", project, "--quiet"], cwd=project, env=env, check=True)
    out = tmp_path / "metrics.csv"
    query_ = ["query", "--metrics", "dau,new_users,aov", "--group-by", "metric_time__day", "--csv", out]
    subprocess.run([bin_dir / "mf", *query_], cwd=project, env=env, check=True, capture_output=True)
    metrics = pd.read_csv(out, parse_dates=["metric_time__day"])
    assert len(metrics) > 20
    for row in metrics.itertuples():
        kpi = kpi_daily.loc[row.metric_time__day.date()]
        assert row.dau == kpi.dau and row.new_users == kpi.new_users
        assert (pd.isna(row.aov) and kpi.aov is None) or row.aov == pytest.approx(float(kpi.aov), rel=1e-9)
