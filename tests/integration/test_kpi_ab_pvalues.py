"""kpi_ab_tests on a real database: counts, z_score and p_value equal a two-proportion z-test computed with scipy.

Raw events are inserted as ingestion would write them (a ledger row, raw.events rows), the real dbt project builds
kpi_ab_tests and everything upstream of it, and every variant is compared with the pooled z-test done in Python.
"""

from __future__ import annotations

import math
import os
import subprocess
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone

import psycopg
import pytest
from psycopg.types.json import Jsonb
from scipy.stats import chi2_contingency, norm

from metrics_warehouse.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from metrics_warehouse.warehouse import connection

SHANGHAI = timezone(timedelta(hours=8))
EXPOSED_AT = datetime(2026, 3, 2, 10, 0, tzinfo=SHANGHAI)
WINDOW = timedelta(days=7)


@dataclass(frozen=True)
class Arm:
    experiment_id: str
    variant: str
    exposed: int
    converted: int


ARMS = [
    Arm("checkout_button", "control", 400, 40),
    Arm("checkout_button", "green", 400, 62),
    Arm("checkout_button", "red", 300, 18),  # below control: negative z
    Arm("onboarding", "control", 1500, 150),
    Arm("onboarding", "tour", 1500, 260),  # far tail: p ~ 1e-10
    Arm("pricing", "control", 40, 0),
    Arm("pricing", "discount", 40, 0),  # pooled variance 0: z and p NULL
]


def _event(event_id: str, name: str, user_id: str, at: datetime, **properties) -> dict:
    return {
        "event_id": event_id,
        "event_name": name,
        "event_time": at.isoformat(),
        "user_id": user_id,
        "properties": properties,
    }


def _purchase(event_id: str, user_id: str, order_id: str, at: datetime) -> dict:
    return _event(event_id, "purchase", user_id, at, order_id=order_id, amount="99.00", currency="CNY", cost="40")


def _arm_events(arm: Arm) -> list[dict]:
    """Exposures of the arm's users; converters order inside [exposure, exposure + 7 days), the others only outside."""
    events = []
    for i in range(arm.exposed):
        user = f"{arm.experiment_id}-{arm.variant}-{i}"
        key = f"{user}-"
        events.append(
            _event(
                key + "x", "experiment_exposure", user, EXPOSED_AT, experiment_id=arm.experiment_id, variant=arm.variant
            )
        )
        if i == 0:  # a later exposure to another arm does not move the user
            events.append(
                _event(
                    key + "x2",
                    "experiment_exposure",
                    user,
                    EXPOSED_AT + timedelta(hours=1),
                    experiment_id=arm.experiment_id,
                    variant="control" if arm.variant != "control" else "other",
                )
            )
        if i < arm.converted:
            events.append(_purchase(key + "p", user, key + "o", EXPOSED_AT + timedelta(hours=i % 160)))
        elif i % 3 == 0:  # the window end is exclusive
            events.append(_purchase(key + "p", user, key + "o", EXPOSED_AT + WINDOW))
        elif (
            i % 3 == 1
        ):  # an order placed before exposure, retried (new event_id) inside the window, is not a conversion
            events.append(_purchase(key + "p", user, key + "o", EXPOSED_AT - timedelta(minutes=5)))
            events.append(_purchase(key + "p-retry", user, key + "o", EXPOSED_AT + timedelta(hours=1)))
    return events


def _insert_events(url: str, events: list[dict]) -> None:
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        file_id = conn.execute(
            """
            insert into ops.ingest_ledger (load_id, source, path, delivery_date, content_sha256, size_bytes, status,
                records_read, records_loaded, started_at, finished_at)
            values (%s, 'events', 'events/2026-03-10/ab.jsonl', %s, %s, 1, 'loaded', %s, %s, %s, %s)
            returning file_id
            """,
            (uuid.uuid4().hex, date(2026, 3, 10), uuid.uuid4().hex, len(events), len(events), now, now),
        ).fetchone()[0]
        with conn.cursor() as cur:
            cur.executemany(
                """
                insert into raw.events (file_id, line_number, event_id, event_name, event_time, user_id, payload)
                values (%s, %s, %s, %s, %s, %s, %s)
                """,
                [
                    (file_id, line, e["event_id"], e["event_name"], e["event_time"], e["user_id"], Jsonb(e))
                    for line, e in enumerate(events, start=1)
                ],
            )


def _build_kpi_ab_tests(url: str, work_dir) -> None:
    command = [
        str(PROJECT_ROOT / ".venv" / "bin" / "dbt"), "build", "--select", "+kpi_ab_tests",
        "--exclude-resource-type", "test", "--exclude-resource-type", "unit_test",
        "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
    ]  # fmt: skip
    env = {**os.environ, **connection.dbt_env(url)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:]


@pytest.fixture(scope="module")
def kpi_rows(pg_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], tuple]:
    _insert_events(pg_url, [event for arm in ARMS for event in _arm_events(arm)])
    _build_kpi_ab_tests(pg_url, tmp_path_factory.mktemp("dbt"))
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "select experiment_id, variant, exposed_users, converted_users, lift, z_score, p_value from kpi.kpi_ab_tests"
        ).fetchall()
    return {(row[0], row[1]): row[2:] for row in rows}


def _pooled_z_test(arm: Arm, control: Arm) -> tuple[float, float] | None:
    """Two-sided two-proportion z-test with the pooled rate; None when the pooled variance is 0."""
    pooled = (arm.converted + control.converted) / (arm.exposed + control.exposed)
    variance = pooled * (1 - pooled) * (1 / arm.exposed + 1 / control.exposed)
    if variance == 0:
        return None
    z = (arm.converted / arm.exposed - control.converted / control.exposed) / math.sqrt(variance)
    return z, 2 * norm.sf(abs(z))


def test_every_variant_has_its_fixture_counts(kpi_rows):
    assert {key: row[:2] for key, row in kpi_rows.items()} == {
        (arm.experiment_id, arm.variant): (arm.exposed, arm.converted) for arm in ARMS
    }


@pytest.mark.parametrize("arm", [arm for arm in ARMS if arm.variant != "control"], ids=lambda arm: arm.variant)
def test_z_score_and_p_value_match_scipy(kpi_rows, arm: Arm):
    control = next(a for a in ARMS if a.experiment_id == arm.experiment_id and a.variant == "control")
    _, _, lift, z_score, p_value = kpi_rows[(arm.experiment_id, arm.variant)]
    expected = _pooled_z_test(arm, control)
    if expected is None:
        assert (lift, z_score, p_value) == (None, None, None)
        return
    z, p = expected
    assert z_score == pytest.approx(z, rel=1e-12)
    assert p_value == pytest.approx(p, rel=1e-9)
    # the pooled z-test is the uncorrected chi-square test of the 2x2 table: an independent check of the p-value
    table = [[arm.converted, arm.exposed - arm.converted], [control.converted, control.exposed - control.converted]]
    assert p_value == pytest.approx(chi2_contingency(table, correction=False).pvalue, rel=1e-9)
    control_rate = control.converted / control.exposed
    assert float(lift) == pytest.approx((arm.converted / arm.exposed) / control_rate - 1, rel=1e-12)


def test_control_rows_carry_no_test(kpi_rows):
    controls = [row for (_, variant), row in kpi_rows.items() if variant == "control"]
    assert controls and all(row[2:] == (None, None, None) for row in controls)
