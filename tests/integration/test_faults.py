"""Fault trials: ingestion killed with SIGKILL at seeded random moments, then run again, leaves exactly what one
uninterrupted run leaves (ledger, raw rows, quarantine, skipped paths), whatever moment the kill hit.

`make test` runs METRICS_FAULT_TRIALS (default 20) trials; `make soak` runs more.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from tests.e2e import bad_inputs
from tests.fingerprints import rows_fingerprint

TRIALS = int(os.environ.get("METRICS_FAULT_TRIALS") or 20)
SEED = int(os.environ.get("METRICS_FAULT_SEED") or 20261130)
PROJECT = Path(__file__).resolve().parents[2]
INGEST = """
import sys
from metrics_warehouse.contracts import SOURCE_NAMES
from metrics_warehouse.ingest.runner import ingest_source, record_landing_root
from metrics_warehouse.settings import load_settings
settings = load_settings({"METRICS_LANDING_DIR": sys.argv[2]})
record_landing_root(sys.argv[1], settings.landing_dir)
for source in SOURCE_NAMES:
    ingest_source(sys.argv[1], settings, source, sys.argv[3])
"""
# What a run leaves, keyed by path rather than file_id (ids are drawn from a sequence a killed run advances).
CONTENT = {
    "ledger": """
        select path, status, content_sha256, regexp_replace(message, 'file_id [0-9]+', ''), records_read,
            records_loaded, records_quarantined, records_skipped, schema_drift::text
        from ops.ingest_ledger
    """,
    "events": """
        select l.path, r.line_number, r.event_id, r.event_name, r.event_time, r.user_id, r.payload::text
        from raw.events as r join ops.ingest_ledger as l using (file_id)
    """,
    "feedback": """
        select l.path, r.line_number, r.feedback_id, r.created_at, r.rating, r.content, r.extra::text
        from raw.feedback as r join ops.ingest_ledger as l using (file_id)
    """,
    "surveys": """
        select l.path, r.line_number, r.response_id, r.nps_score, r.csat_score, r.comment
        from raw.surveys as r join ops.ingest_ledger as l using (file_id)
    """,
    "spend": """
        select l.path, r.line_number, r.date, r.campaign_id, r.impressions, r.clicks, r.spend
        from raw.marketing_spend as r join ops.ingest_ledger as l using (file_id)
    """,
    "fx": "select l.path, r.line_number, r.date, r.rate from raw.fx_rates as r join ops.ingest_ledger as l using (file_id)",
    "quarantine": "select path, line_number, reason, message, raw_record from ops.quarantine",
    "skipped": "select path, reason from ops.landing_skipped",
}


def fingerprint(url: str) -> dict[str, str]:
    with psycopg.connect(url) as conn:
        return {name: rows_fingerprint(conn, query) for name, query in CONTENT.items()}


def start(url: str, landing: Path, load_id: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join((str(PROJECT / "plugins"), str(PROJECT)))}
    return subprocess.Popen([sys.executable, "-c", INGEST, url, str(landing), load_id], env=env)


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    """The catalogue of bad inputs plus event files big enough that a kill often lands inside a COPY."""
    root = tmp_path_factory.mktemp("faults")
    bad_inputs.write(root)
    for day in range(10, 14):
        lines = (
            f'{{"event_id":"f{day}-{i}","event_name":"page_view","event_time":"2026-11-{day}T08:00:00Z","user_id":"u{i % 50}"}}\n'
            for i in range(4_000)
        )
        path = root / f"events/2026-11-{day}/bulk.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("".join(lines))
    return root


@pytest.fixture(scope="module")
def reference(landing: Path, new_database) -> tuple[dict[str, str], float]:
    """What one uninterrupted run leaves, and how long it takes."""
    with new_database() as url:
        began = time.monotonic()
        assert start(url, landing, "clean").wait() == 0
        return fingerprint(url), time.monotonic() - began


def test_the_reference_run_loaded_the_catalogue(reference) -> None:
    content, _ = reference
    assert int(content["events"].split(":")[0]) > 16_000
    assert int(content["quarantine"].split(":")[0]) > 30
    assert int(content["skipped"].split(":")[0]) >= 11


@pytest.mark.parametrize("trial", range(TRIALS))
def test_a_run_killed_at_a_random_moment_then_rerun_equals_one_clean_run(
    trial: int, landing: Path, reference, new_database
) -> None:
    content, duration = reference
    moment = random.Random(SEED + trial).uniform(0.0, duration)
    with new_database() as url:
        victim = start(url, landing, f"killed-{trial}")
        time.sleep(moment)
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        assert start(url, landing, f"rerun-{trial}").wait() == 0
        assert fingerprint(url) == content, f"trial {trial}: killed after {moment:.2f}s of {duration:.2f}s"
