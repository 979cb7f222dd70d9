"""Ingestion against a real PostgreSQL: hand-counted fixtures for every case of the landing-zone contract."""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict
from pathlib import Path

import psycopg
import pytest

from metrics_warehouse.contracts import SOURCE_NAMES, SOURCES
from metrics_warehouse.ingest.runner import ingest_source, record_landing_root
from metrics_warehouse.settings import load_settings
from tests.cases import landing_files

EVENT_LINES = [
    '{"event_id":"e1","event_name":"signup","event_time":"2026-11-01T08:30:00+08:00","user_id":"u1","utm_source":"抖音"}',
    '{"event_id":"e2","event_name":"login","event_time":1761957000000,"user_id":"u1"}',
    "not json",  # 3 malformed_json
    "",  # 4 blank line, skipped by rule
    "[1,2]",  # 5 not_an_object
    '{"event_name":"login","event_time":"2026-11-01T09:00:00Z"}',  # 6 missing_field:event_id
    '{"event_id":"e3","event_name":"login","event_time":"yesterday"}',  # 7 bad_timestamp:event_time
    '{"event_id":"e4","event_name":"login","event_time":"2026-11-03T00:00:01+08:00"}',  # 8 future_event_time
    '{"event_id":"e5","event_name":"login","event_time":1700000000}',  # 9 epoch seconds -> 1970: before_min_date
    '{"event_id":"e6","event_name":"purchase","event_time":"2026-11-01T10:00:00","user_id":"u1",'
    '"properties":{"order_id":"o1","amount":"12.50","currency":"CNY","note":"tab\\there \\\\ back"}}',
    '{"event_id":"e7","event_name":"login","event_time":"2026-11-03T00:00:00+08:00","user_id":"u2"}',  # exactly the limit
]
FEEDBACK_HEADER = "feedback_id,user_id,created_at,channel,category,rating,content,status,first_response_at,resolved_at"
SPEND_HEADER = "date,channel,campaign_id,campaign_name,impressions,clicks,spend,currency"


def write(path: Path, data: bytes | str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def run_ingest(url: str, landing: Path, load_id: str = "test") -> dict[str, list[dict]]:
    """The landing root recorded (the DAG's prepare step), then every source in turn, as the DAG's ingest tasks do."""
    settings = load_settings({"METRICS_LANDING_DIR": str(landing)})
    record_landing_root(url, landing)
    return {source: [asdict(r) for r in ingest_source(url, settings, source, load_id)] for source in SOURCE_NAMES}


def ledger(url: str) -> dict[str, dict]:
    with psycopg.connect(url) as conn:
        cursor = conn.execute("select * from ops.ingest_ledger order by file_id")
        names = [c.name for c in cursor.description]
        return {row[names.index("path")]: dict(zip(names, row, strict=True)) for row in cursor}


def quarantine(url: str, path: str) -> list[tuple[int, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select line_number, reason from ops.quarantine where path = %s order by line_number", (path,)
        ).fetchall()


def scalar(url: str, query: str, *params):
    with psycopg.connect(url) as conn:
        return conn.execute(query, params).fetchone()[0]


@pytest.fixture(scope="module")
def landing(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("landing")
    events = "\n".join(EVENT_LINES) + "\n"
    write(root / "events/2026-11-01/app.jsonl", events)
    write(root / "events/2026-11-02/app-again.jsonl", events)  # byte-identical redelivery under another name
    compressed = gzip.compress(b'{"event_id":"g1","event_name":"login","event_time":"2026-11-01T01:00:00Z"}\n' * 50)
    write(root / "events/2026-11-01/zipped.jsonl.gz", compressed)
    write(root / "events/2026-11-01/truncated.jsonl.gz", compressed[: len(compressed) // 2])
    write(
        root / "events/2026-11-01/latin1.jsonl",
        b'{"event_id":"x","event_name":"login","event_time":1761957000000,"n":"\xe9"}\n',
    )
    write(root / "events/2026-11-01/empty.jsonl", b"")
    write(
        root / "feedback/2026-11-01/bom_crlf.csv",
        "\ufeff" + FEEDBACK_HEADER + ",q_extra\r\n"
        'f1,u1,2026-11-01 10:00:00,app,投诉,2,"bad, very ""bad""\r\nsecond line",open,,,x\r\n'
        "f2,u2,2026-11-01 10:00:00,app,建议,9,ok,open,,,y\r\n"
        "f3,u3,2026-11-01 10:00:00,app,建议,,fine,open,2026-11-01 10:05:00,not a time,z\r\n"
        "f4,u4,2026-11-01 10:00:00,app,建议\r\n",
    )
    write(
        root / "feedback/2026-11-01/gbk.csv",
        FEEDBACK_HEADER + "\nf5,u5,2026-11-01T10:00:00+08:00,微信,故障,1,无法登录 '); drop table users; --,open,,\n",
        encoding="gb18030",
    )
    write(root / "feedback/2026-11-01/missing_column.csv", "feedback_id,user_id,created_at\nf6,u6,2026-11-01\n")
    write(
        root / "feedback/2026-11-01/unterminated.csv", FEEDBACK_HEADER + '\nf7,u7,2026-11-01,app,建议,3,"never closed\n'
    )
    write(
        root / "feedback/2026-11-01/undecodable.csv",
        FEEDBACK_HEADER.encode() + b"\nf8,u8,2026-11-01,app,\xff\xfe\xff,3,x,open,,\n",
    )
    write(root / "feedback/2026-11-01/header_only.csv", FEEDBACK_HEADER + "\n")
    write(
        root / "marketing_spend/2026-11-02/export.csv",
        SPEND_HEADER + "\n"
        '2026-11-01,抖音,c1,双十一,"1,000",10,"¥12,345.60",CNY\n'
        "2026-11-01,gdt,c2,x,100,1,twelve,CNY\n"
        "2026-11-01,gdt,c3,x,100,1,-5,CNY\n"
        '2026-11-01,xhs,c4,x,100,1,"$0",USD\n'
        '合计,,,,,,"¥12,345.60",\n',
    )
    write(
        root / "surveys/2026-11-03/nps.csv",
        "response_id,survey_id,user_id,submitted_at,nps_score,csat_score,comment,q_favorite\n"
        "r1,s1,u1,2026-11-01 12:00:00,9,5,great,search\n"
        "r2,s1,u2,2026-11-01 12:00:00,N/A,,meh,\n"
        "r3,s1,u3,2026-11-01 12:00:00,11,4,,\n"
        "r4,s1,u4,2026-11-01 12:00:00,7,0,,\n"
        "r5,s1,u5,2026-11-01 12:00:00,abc,3,,\n",
    )
    write(root / "fx_rates/2026-11-03/rates.csv", "date,currency,rate\n2026-11-01,USD,7.12\n2026-11-02,USD,0\n")
    for case in landing_files.CASES:
        write(root / case.path, case.data)
    return root


@pytest.fixture(scope="module")
def loaded(pg_url: str, landing: Path) -> str:
    run_ingest(pg_url, landing)
    return pg_url


def test_event_records_are_loaded_or_quarantined_with_their_reason(loaded: str) -> None:
    row = ledger(loaded)["events/2026-11-01/app.jsonl"]
    assert (row["status"], row["records_read"], row["records_loaded"]) == ("loaded", 11, 4)
    assert (row["records_quarantined"], row["records_skipped"]) == (6, 1)
    assert quarantine(loaded, "events/2026-11-01/app.jsonl") == [
        (3, "malformed_json"),
        (5, "not_an_object"),
        (6, "missing_field:event_id"),
        (7, "bad_timestamp:event_time"),
        (8, "future_event_time"),
        (9, "before_min_date"),
    ]
    assert scalar(
        loaded, "select array_agg(event_id order by line_number) from raw.events where file_id = %s", row["file_id"]
    ) == [
        "e1",
        "e2",
        "e6",
        "e7",
    ]


@pytest.mark.parametrize("case", landing_files.CASES, ids=lambda case: case.path)
def test_landing_file_cases(loaded: str, case: landing_files.FileCase) -> None:
    """tests/cases/landing_files.yml: each file's ledger row, quarantined records and loaded rows, as hand-counted."""
    row = ledger(loaded)[case.path]
    assert row["status"] == case.status, row["message"]
    assert (row["message"] or "").startswith(case.reason or "")
    assert quarantine(loaded, case.path) == sorted(case.quarantined.items())
    counts = (row["records_read"], row["records_loaded"], row["records_quarantined"])
    assert counts == (len(case.keys) + len(case.quarantined), len(case.keys), len(case.quarantined))
    assert row["schema_drift"] == case.schema_drift
    source = SOURCES[case.source]
    keys = scalar(
        loaded,
        f"select array_agg({source.columns[0]} order by line_number) from {source.table} where file_id = %s",
        row["file_id"],
    )
    assert (keys or []) == case.keys


def test_raw_events_keep_the_original_json_whole(loaded: str) -> None:
    payload = scalar(loaded, "select payload from raw.events where event_id = 'e6'")
    assert payload == json.loads(EVENT_LINES[9])
    assert scalar(loaded, "select event_time from raw.events where event_id = 'e2'") == "1761957000000"
    raw = scalar(loaded, "select raw_record from ops.quarantine where reason = 'malformed_json'")
    assert raw == "not json"


def test_event_at_is_the_loaders_reading_of_event_time_where_no_source_zone_is_needed(loaded: str) -> None:
    with psycopg.connect(loaded) as conn:
        rows = conn.execute(
            """
            select event_id, event_at, ops.parse_timestamp(event_time, 'UTC') is not distinct from event_at
            from raw.events where event_id in ('e1', 'e2', 'e6', 'e7', 'g1')
            """
        ).fetchall()
    read = {event_id: (event_at is not None, same) for event_id, event_at, same in rows}
    # offsets, epoch milliseconds and Z: the same instant as the SQL reading; a naive time is left to staging
    assert read == {
        "e1": (True, True),
        "e2": (True, True),
        "e7": (True, True),
        "g1": (True, True),
        "e6": (False, False),
    }


def test_redelivered_content_loads_nothing(loaded: str) -> None:
    row = ledger(loaded)["events/2026-11-02/app-again.jsonl"]
    assert row["status"] == "duplicate_file"
    assert "events/2026-11-01/app.jsonl" in row["message"]
    assert scalar(loaded, "select count(*) from raw.events where file_id = %s", row["file_id"]) == 0
    assert scalar(loaded, "select count(*) from raw.events where event_id = 'e1'") == 1


def test_whole_file_rejections_load_nothing_and_say_why(loaded: str) -> None:
    rows = ledger(loaded)
    expected = {
        "events/2026-11-01/truncated.jsonl.gz": "corrupt_gzip",
        "feedback/2026-11-01/missing_column.csv": "missing_column:channel",
        "feedback/2026-11-01/unterminated.csv": "unterminated_quote",
        "feedback/2026-11-01/undecodable.csv": "undecodable",
    }
    for path, reason in expected.items():
        assert rows[path]["status"] == "rejected", path
        assert rows[path]["message"].startswith(reason), rows[path]["message"]
        assert rows[path]["records_loaded"] == rows[path]["records_read"] == 0
        for table in ("raw.events", "raw.feedback", "ops.quarantine"):
            assert scalar(loaded, f"select count(*) from {table} where file_id = %s", rows[path]["file_id"]) == 0
    assert rows["events/2026-11-01/zipped.jsonl.gz"]["records_loaded"] == 50
    assert rows["events/2026-11-01/zipped.jsonl.gz"]["encoding"] == "utf-8+gzip"


def test_a_line_that_is_not_utf8_is_one_quarantined_record(loaded: str) -> None:
    row = ledger(loaded)["events/2026-11-01/latin1.jsonl"]
    assert (row["status"], row["records_read"], row["records_quarantined"]) == ("loaded", 1, 1)
    assert quarantine(loaded, "events/2026-11-01/latin1.jsonl") == [(1, "undecodable")]


def test_empty_and_header_only_files_are_files_with_no_records(loaded: str) -> None:
    rows = ledger(loaded)
    for path in ("events/2026-11-01/empty.jsonl", "feedback/2026-11-01/header_only.csv"):
        assert rows[path]["status"] == "empty"
        assert rows[path]["records_read"] == 0


def test_csv_encodings_quoting_and_schema_drift(loaded: str) -> None:
    rows = ledger(loaded)
    bom = rows["feedback/2026-11-01/bom_crlf.csv"]
    assert (bom["encoding"], bom["records_read"], bom["records_loaded"], bom["records_quarantined"]) == (
        "utf-8 (BOM)",
        4,
        1,
        3,
    )
    assert bom["schema_drift"] == {"extra_columns": ["q_extra"]}
    assert quarantine(loaded, "feedback/2026-11-01/bom_crlf.csv") == [
        (4, "out_of_range:rating"),
        (5, "bad_timestamp:resolved_at"),
        (6, "wrong_field_count"),
    ]
    content, extra = (
        psycopg.connect(loaded).execute("select content, extra from raw.feedback where feedback_id = 'f1'").fetchone()
    )
    assert content == 'bad, very "bad"\r\nsecond line'
    assert extra == {"q_extra": "x"}
    gbk = rows["feedback/2026-11-01/gbk.csv"]
    assert (gbk["encoding"], gbk["records_loaded"]) == ("gb18030", 1)
    assert scalar(loaded, "select category from raw.feedback where feedback_id = 'f5'") == "故障"


def test_spend_numbers_total_rows_and_bad_numbers(loaded: str) -> None:
    row = ledger(loaded)["marketing_spend/2026-11-02/export.csv"]
    assert (row["records_read"], row["records_loaded"], row["records_quarantined"], row["records_skipped"]) == (
        5,
        2,
        2,
        1,
    )
    assert row["encoding"] == "utf-8"
    assert quarantine(loaded, "marketing_spend/2026-11-02/export.csv") == [
        (3, "bad_number:spend"),
        (4, "out_of_range:spend"),
    ]
    assert scalar(loaded, "select spend from raw.marketing_spend where campaign_id = 'c1'") == "¥12,345.60"


def test_survey_answers_na_and_out_of_range(loaded: str) -> None:
    row = ledger(loaded)["surveys/2026-11-03/nps.csv"]
    assert (row["records_loaded"], row["records_quarantined"]) == (2, 3)
    assert quarantine(loaded, "surveys/2026-11-03/nps.csv") == [
        (4, "out_of_range:nps_score"),
        (5, "out_of_range:csat_score"),
        (6, "bad_number:nps_score"),
    ]
    assert row["schema_drift"] == {"extra_columns": ["q_favorite"]}
    fx = ledger(loaded)["fx_rates/2026-11-03/rates.csv"]
    assert (fx["records_loaded"], fx["records_quarantined"]) == (1, 1)


def test_every_file_reconciles(loaded: str) -> None:
    for path, row in ledger(loaded).items():
        assert row["records_read"] == row["records_loaded"] + row["records_quarantined"] + row["records_skipped"], path
        assert len(quarantine(loaded, path)) == row["records_quarantined"], path
    table_of = {"events": "raw.events", "feedback": "raw.feedback", "surveys": "raw.surveys"}
    for source, table in table_of.items():
        expected = scalar(loaded, "select sum(records_loaded) from ops.ingest_ledger where source = %s", source)
        assert scalar(loaded, f"select count(*) from {table}") == expected


def test_a_second_run_loads_nothing_new(loaded: str, landing: Path) -> None:
    before = scalar(loaded, "select count(*) from ops.ingest_ledger")
    events = scalar(loaded, "select count(*) from raw.events")
    assert run_ingest(loaded, landing, "second") == {s: [] for s in SOURCE_NAMES}
    assert scalar(loaded, "select count(*) from ops.ingest_ledger") == before
    assert scalar(loaded, "select count(*) from raw.events") == events


INGEST_SCRIPT = """
import sys
from metrics_warehouse.ingest.runner import ingest_source, record_landing_root
from metrics_warehouse.settings import load_settings
ingest_source(sys.argv[1], load_settings({"METRICS_LANDING_DIR": sys.argv[2]}), "events", sys.argv[3])
"""


def start_ingest(url: str, landing: Path, load_id: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "plugins")}
    return subprocess.Popen([sys.executable, "-c", INGEST_SCRIPT, url, str(landing), load_id], env=env)


def big_events_file(root: Path, lines: int) -> Path:
    path = root / "events/2026-11-01/big.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        for i in range(lines):
            handle.write(
                f'{{"event_id":"b{i}","event_name":"page_view","event_time":1761957000000,"user_id":"u{i % 97}"}}\n'
            )
    return path


def test_a_loader_killed_mid_file_leaves_nothing_and_the_rerun_loads_once(tmp_path: Path, fresh_url: str) -> None:
    url = fresh_url
    big_events_file(tmp_path, 400_000)
    loader = start_ingest(url, tmp_path, "crashing")
    deadline = time.monotonic() + 60
    while scalar(url, "select count(*) from pg_stat_activity where query ilike 'copy raw.events%%'") == 0:
        assert loader.poll() is None, "the loader finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    loader.send_signal(signal.SIGKILL)
    loader.wait()
    time.sleep(0.5)  # the server notices the dropped connection and rolls back
    assert scalar(url, "select count(*) from ops.ingest_ledger") == 0
    assert scalar(url, "select count(*) from raw.events") == 0
    assert start_ingest(url, tmp_path, "rerun").wait() == 0
    assert scalar(url, "select count(*) from raw.events") == 400_000
    assert scalar(url, "select count(distinct event_id) from raw.events") == 400_000
    assert scalar(url, "select count(*) from ops.ingest_ledger") == 1


def test_concurrent_runs_never_load_a_file_twice(tmp_path: Path, fresh_url: str) -> None:
    url = fresh_url
    for day in range(1, 7):
        path = tmp_path / f"events/2026-11-0{day}/part.jsonl"
        write(
            path,
            "".join(
                f'{{"event_id":"d{day}-{i}","event_name":"login","event_time":1761957000000}}\n' for i in range(5000)
            ),
        )
    runs = [start_ingest(url, tmp_path, f"run{n}") for n in range(3)]
    assert [run.wait() for run in runs] == [0, 0, 0]
    assert scalar(url, "select count(*) from ops.ingest_ledger") == 6
    assert scalar(url, "select count(*) from raw.events") == 30_000
    assert scalar(url, "select count(distinct event_id) from raw.events") == 30_000


def test_several_files_at_once_load_as_one_after_the_other_would(tmp_path: Path, new_database) -> None:
    """Files loaded by several workers: file ids in discovery order, the first copy of a content loaded, the others
    duplicates, the same ledger and rows as one worker leaves."""

    def lines(tag: str) -> str:
        return "".join(
            f'{{"event_id":"{tag}-{i}","event_name":"login","event_time":1761957000000}}\n' for i in range(3000)
        )

    for name, tag in (("a", "a"), ("b", "b"), ("c", "c"), ("d", "b"), ("e", "e"), ("f", "b")):
        write(tmp_path / f"events/2026-11-01/{name}.jsonl", lines(tag))
    columns = "file_id, path, status, records_loaded"
    ledgers, results = [], []
    for workers in ("3", "1"):
        with new_database() as url:
            settings = load_settings({"METRICS_LANDING_DIR": str(tmp_path), "METRICS_INGEST_WORKERS": workers})
            results.append([(r.path, r.status, r.file_id) for r in ingest_source(url, settings, "events", workers)])
            with psycopg.connect(url) as conn:
                ledgers.append(conn.execute(f"select {columns} from ops.ingest_ledger order by file_id").fetchall())
                ledgers[-1].append(
                    conn.execute("select count(*), min(file_id), max(file_id) from raw.events").fetchone()
                )
    assert results[0] == results[1]
    assert ledgers[0] == ledgers[1]
    assert [path for path, _, _ in results[0]] == [f"events/2026-11-01/{name}.jsonl" for name in "abcdef"]
    assert [status for _, status, _ in results[0]] == [
        "loaded",
        "loaded",
        "loaded",
        "duplicate_file",
        "loaded",
        "duplicate_file",
    ]
    file_ids = [file_id for _, _, file_id in results[0]]
    assert file_ids == sorted(file_ids)
    assert ledgers[0][-1][0] == 4 * 3000


def test_a_changed_file_under_a_loaded_path_is_refused_and_never_counted_twice(tmp_path: Path, fresh_url: str) -> None:
    path = write(tmp_path / "events/2026-11-01/half.jsonl", EVENT_LINES[0] + "\n")
    run_ingest(fresh_url, tmp_path, "first")
    write(path, EVENT_LINES[0] + "\n" + EVENT_LINES[1] + "\n")  # completed in place
    run_ingest(fresh_url, tmp_path, "second")
    run_ingest(fresh_url, tmp_path, "third")
    with psycopg.connect(fresh_url) as conn:
        statuses = conn.execute("select status, message from ops.ingest_ledger order by file_id").fetchall()
    assert [s for s, _ in statuses] == ["loaded", "refused"]
    assert statuses[1][1].startswith("changed_content:")
    assert scalar(fresh_url, "select count(*) from raw.events") == 1


def test_an_unreadable_file_is_recorded_once_and_loaded_once_it_can_be_read(tmp_path: Path, fresh_url: str) -> None:
    path = tmp_path / "events/2026-11-01/stale_mount.jsonl"
    path.parent.mkdir(parents=True)
    path.symlink_to("/proc/self/mem")  # reading it fails with an I/O error, even for root
    write(tmp_path / "events/2026-11-01/fine.jsonl", EVENT_LINES[0] + "\n")
    run_ingest(fresh_url, tmp_path, "first")
    run_ingest(fresh_url, tmp_path, "second")
    rows = ledger(fresh_url)
    assert rows["events/2026-11-01/stale_mount.jsonl"]["status"] == "unreadable"
    assert "Input/output error" in rows["events/2026-11-01/stale_mount.jsonl"]["message"]
    assert rows["events/2026-11-01/fine.jsonl"]["status"] == "loaded"
    path.unlink()
    write(path, EVENT_LINES[1] + "\n")
    run_ingest(fresh_url, tmp_path, "third")
    statuses = scalar(
        fresh_url, "select array_agg(status order by file_id) from ops.ingest_ledger where path like '%%stale%%'"
    )
    assert statuses == ["unreadable", "loaded"]


def test_empty_files_of_two_sources_are_both_empty_never_duplicates(tmp_path: Path, fresh_url: str) -> None:
    write(tmp_path / "events/2026-11-01/nothing.jsonl.gz", b"")
    write(tmp_path / "feedback/2026-11-01/nothing.csv", b"")
    write(tmp_path / "surveys/2026-11-01/nothing.csv", b"")
    run_ingest(fresh_url, tmp_path)
    assert {row["status"] for row in ledger(fresh_url).values()} == {"empty"}


def test_every_path_that_is_no_landing_file_is_recorded_once(tmp_path: Path, fresh_url: str) -> None:
    write(tmp_path / "stray.csv", "x\n")
    write(tmp_path / "events/2026-11-01/app.jsonl.part", EVENT_LINES[0] + "\n")
    write(tmp_path / "events/not-a-date/app.jsonl", EVENT_LINES[0] + "\n")
    run_ingest(fresh_url, tmp_path, "first")
    run_ingest(fresh_url, tmp_path, "second")
    with psycopg.connect(fresh_url) as conn:
        skipped = conn.execute("select path, reason from ops.landing_skipped order by path").fetchall()
    assert skipped == [
        ("events/2026-11-01/app.jsonl.part", "in_progress"),
        ("events/not-a-date", "not_a_delivery_date"),
        ("stray.csv", "stray_file"),
    ]


def test_two_runs_creating_one_database_at_once_both_succeed(new_database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from metrics_warehouse.warehouse import connection

    with new_database(create=False) as url, ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: connection.prepare(url), range(4)))
        assert scalar(url, "select count(*) from ops.ddl_version") == 1


def test_start_up_never_queues_silently_behind_a_long_load(fresh_url: str, caplog) -> None:
    import threading

    from metrics_warehouse.warehouse import connection

    loading = psycopg.connect(fresh_url)
    loading.execute("lock table ops.ingest_ledger in row exclusive mode")  # what a load's ledger insert holds
    began = time.monotonic()
    connection.prepare(fresh_url)  # the DDL of this version is applied: nothing to wait for
    assert time.monotonic() - began < 5
    with psycopg.connect(fresh_url, autocommit=True) as conn:
        conn.execute("delete from ops.ddl_version")  # as after an upgrade
    threading.Timer(12, loading.rollback).start()  # the load ends after one lock_timeout
    with caplog.at_level("WARNING"):
        connection.prepare(fresh_url)
    loading.close()
    assert "waiting for a running load" in caplog.text
    assert scalar(fresh_url, "select count(*) from ops.ddl_version") == 1
