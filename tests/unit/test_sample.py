"""The sample landing-zone generator: determinism, the landing contract, planted dirt and planted problems.

The checks read the written files back with a small reference reading of the contract (below), so a defect list
that disagrees with the files, or a file that breaks the contract, fails here.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from metrics_local.sample import PROBLEMS, generate, write_bench_events

SHANGHAI = timezone(timedelta(hours=8))
MIN_DATE = datetime(2020, 1, 1, tzinfo=SHANGHAI)
SMALL = {"seed": 7, "days": 35, "users": 400, "progress": False}
REQUIRED = {
    "feedback": ["feedback_id", "user_id", "created_at", "channel", "category", "rating", "content", "status",
                 "first_response_at", "resolved_at"],
    "surveys": ["response_id", "survey_id", "user_id", "submitted_at", "nps_score", "csat_score", "comment"],
    "marketing_spend": ["date", "channel", "campaign_id", "campaign_name", "impressions", "clicks", "spend",
                        "currency"],
    "fx_rates": ["date", "currency", "rate"],
}  # fmt: skip
PATH = re.compile(r"^(events|feedback|surveys|marketing_spend|fx_rates)/(\d{4}-\d{2}-\d{2})/[^/]+$")


# --- a reference reading of the landing contract --------------------------------------------------------------------


def event_reason(text: str, delivery: date) -> str | None:
    """The quarantine reason of one JSON line, or None when it loads."""
    if not text.strip():
        return "blank_line"
    try:
        record = json.loads(text)
    except ValueError:
        return "malformed_json"
    if not isinstance(record, dict):
        return "not_an_object"
    for name in ("event_id", "event_name", "event_time"):
        if record.get(name) in (None, ""):
            return f"missing_field:{name}"
    value = record["event_time"]
    try:
        if isinstance(value, int):
            moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)
        else:
            moment = datetime.fromisoformat(value)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=SHANGHAI)
    except (TypeError, ValueError):
        return "bad_timestamp:event_time"
    if moment > datetime.combine(delivery + timedelta(days=2), datetime.min.time(), SHANGHAI):
        return "future_event_time"
    return "before_min_date" if moment < MIN_DATE else None


def decode(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    raise UnicodeDecodeError("utf-8/gb18030", data, 0, 1, "undecodable")


def csv_records(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Header and (physical start line, row) of each data record; raises csv.Error on an unterminated quote."""
    text, _ = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows, line = [], 1
    for row in reader:
        rows.append((line, row))
        line = reader.line_num + 1
    return (rows[0][1] if rows else []), rows[1:]


def row_reason(source: str, header: list[str], row: list[str]) -> str | None:
    values = dict(zip(header, row, strict=False))
    if source == "surveys":
        for name, high, low in (("nps_score", 10, 0), ("csat_score", 5, 1)):
            answer = values[name].strip()
            if answer in ("", "N/A"):
                continue
            if not re.fullmatch(r"-?\d+", answer):
                return f"bad_number:{name}"
            if not low <= int(answer) <= high:
                return f"out_of_range:{name}"
    if source == "marketing_spend":
        if values["date"] in ("合计", "Total"):
            return "total_row"
        try:
            float(values["spend"].replace("¥", "").replace(",", ""))
        except ValueError:
            return "bad_number:spend"
    return None


def read_zone(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and p.name[0] != "."
    }


def jsonl_text(path: str, data: bytes) -> str:
    return (gzip.decompress(data) if path.endswith(".gz") else data).decode("utf-8")


def delivery_of(path: str) -> date:
    return date.fromisoformat(path.split("/")[1])


# --- fixtures -------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    out = tmp_path_factory.mktemp("dirty")
    return generate(out, **SMALL), read_zone(out)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    return generate(out, clean=True, **SMALL), read_zone(out)


def rejected_paths(summary) -> set[str]:
    outcomes = {"rejected", "duplicate_file", "empty"}
    return {d.path for d in summary.defects if d.line is None and d.outcome in outcomes}


# --- determinism ----------------------------------------------------------------------------------------------------


def test_same_parameters_same_bytes_and_rerun_changes_nothing(tmp_path, dirty):
    summary, files = dirty
    again = generate(tmp_path / "again", **SMALL)
    assert read_zone(tmp_path / "again") == files
    assert (tmp_path / "again" / ".sample.json").read_bytes() == (summary.out / ".sample.json").read_bytes()
    assert again.defects == summary.defects

    before = {p: p.stat().st_mtime_ns for p in summary.out.rglob("*") if p.is_file()}
    rerun = generate(summary.out, **SMALL)
    assert rerun.changed == 0
    assert {p: p.stat().st_mtime_ns for p in summary.out.rglob("*") if p.is_file()} == before

    other = generate(tmp_path / "other", **{**SMALL, "seed": 8})
    assert read_zone(tmp_path / "other") != files
    assert other.total_files > 0


def test_regenerating_with_other_parameters_removes_its_own_stale_files(tmp_path):
    out = tmp_path / "zone"
    generate(out, **SMALL)
    (out / "events" / "mine.txt").parent.mkdir(exist_ok=True)
    (out / "events" / "mine.txt").write_text("not the generator's")
    shorter = generate(out, **{**SMALL, "days": 20})
    assert set(read_zone(out)) == set(json.loads((out / ".sample.json").read_text())["files"]) | {"events/mine.txt"}
    assert shorter.start_date == date(2026, 10, 27)
    assert min(delivery_of(p) for p in read_zone(out) if p != "events/mine.txt") == shorter.start_date


# --- the landing contract -------------------------------------------------------------------------------------------


def test_layout_headers_and_encodings_follow_the_contract(dirty):
    summary, files = dirty
    rejected = rejected_paths(summary)
    assert {p.split("/")[0] for p in files} == set(REQUIRED) | {"events"}
    for path, data in files.items():
        match = PATH.match(path)
        assert match, path
        source, day = match.groups()
        assert summary.start_date <= date.fromisoformat(day) <= summary.end_date, path
        if path in rejected:
            continue
        if source == "events":
            assert path.endswith((".jsonl", ".jsonl.gz"))
            for text in jsonl_text(path, data).splitlines():
                if event_reason(text, delivery_of(path)) is None:
                    record = json.loads(text)
                    assert isinstance(record["event_id"], str) and isinstance(record["event_name"], str)
                    assert "user_id" in record and (record["user_id"] is None or isinstance(record["user_id"], str))
        else:
            assert path.endswith(".csv")
            header, _ = csv_records(data)
            assert set(REQUIRED[source]) <= set(header), path

    encodings = {d.kind: d.path for d in summary.defects if d.source == "feedback" or d.kind == "crlf"}
    assert files[encodings["utf8_bom"]].startswith(b"\xef\xbb\xbf")
    assert decode(files[encodings["gb18030"]])[1] == "gb18030"
    assert re.search("[投诉建议咨询表扬故障]", decode(files[encodings["gb18030"]])[0])
    assert files[encodings["crlf"]].count(b"\r\n") == files[encodings["crlf"]].count(b"\n")
    assert any(p.endswith(".jsonl.gz") for p in files) and any(p.endswith(".jsonl") for p in files)
    assert {p for p in files if p.endswith(".gz")} - rejected, "readable gzip files"


def test_csv_quirks_are_present(dirty):
    summary, files = dirty
    spend = [
        (p, csv_records(d))
        for p, d in files.items()
        if p.startswith("marketing_spend/") and p not in rejected_paths(summary)
    ]
    cells = [cell for _, (_, rows) in spend for _, row in rows for cell in row]
    assert any(re.fullmatch(r"¥\d{1,3}(,\d{3})+\.\d\d", c) for c in cells)
    assert any(re.fullmatch(r"\d{1,3}(,\d{3})+", c) for c in cells)
    assert {"Douyin", "腾讯广告", "xhs", "baidu", "微博", "wechat"} <= {
        row[1] for _, (_, rows) in spend for _, row in rows
    }
    feedback = [row for p, d in files.items() if p.startswith("feedback/") and p not in rejected_paths(summary)
                for _, row in csv_records(d)[1]]  # fmt: skip
    contents = [row[6] for row in feedback]
    assert any("\n" in c for c in contents) and any('"' in c for c in contents) and any("," in c for c in contents)
    assert "'); drop table users; --" in contents
    assert any("@example.com" in c for c in contents) and any("13812345678" in c for c in contents)
    assert {"投诉", "complaint", "咨询", "question"} <= {row[4] for row in feedback}
    assert {"app", "微信", "email", "phone"} <= {row[3] for row in feedback}
    assert any(row[5] == "" for row in feedback) and any(row[9] == "" for row in feedback)
    statuses = Counter(row[0] for row in feedback)
    reexported = [fid for fid, n in statuses.items() if n > 1]
    assert reexported, "status updates arrive as re-exports"
    survey_cells = [row[4] for p, d in files.items() if p.startswith("surveys/") and p not in rejected_paths(summary)
                    for _, row in csv_records(d)[1]]  # fmt: skip
    assert "N/A" in survey_cells and "" in survey_cells


# --- planted defects ------------------------------------------------------------------------------------------------


def found_bad_records(files: dict[str, bytes], skip: set[str]) -> set[tuple[str, int, str]]:
    """(path, record number, reason) of every record the reference reading rejects or skips."""
    found = set()
    for path, data in files.items():
        if path in skip:
            continue
        source = path.split("/")[0]
        if source == "events":
            for number, text in enumerate(jsonl_text(path, data).split("\n")[:-1], start=1):
                if reason := event_reason(text, delivery_of(path)):
                    found.add((path, number, reason))
        else:
            header, rows = csv_records(data)
            for number, (_, row) in enumerate(rows, start=1):
                if reason := row_reason(source, header, row):
                    found.add((path, number, reason))
    return found


def test_defect_list_matches_the_files(dirty):
    summary, files = dirty
    records = [d for d in summary.defects if d.line is not None]
    planted = {(d.path, d.record, d.reason) for d in records if d.outcome in ("quarantined", "skipped")}
    assert found_bad_records(files, rejected_paths(summary)) == planted

    reasons = {d.reason for d in summary.defects if d.reason}
    assert {"malformed_json", "not_an_object", "missing_field:event_id", "bad_timestamp:event_time",
            "future_event_time", "before_min_date", "blank_line", "out_of_range:nps_score", "out_of_range:csat_score", "bad_number:spend",
            "total_row", "corrupt_gzip", "undecodable", "missing_column:campaign_id", "unterminated_quote",
            "duplicate_file", "empty"} <= reasons  # fmt: skip

    for d in records:  # physical line numbers point at the record
        data = files[d.path]
        if d.source == "events":
            assert d.line == d.record
        else:
            _, rows = csv_records(data)
            assert rows[d.record - 1][0] == d.line, d


def test_whole_file_defects_are_what_they_claim(dirty):
    summary, files = dirty
    by_kind = {d.kind: d.path for d in summary.defects if d.line is None}
    with pytest.raises((EOFError, OSError)):
        gzip.decompress(files[by_kind["corrupt_gzip"]])
    whole = next(
        p for p in files if p.endswith(by_kind["corrupt_gzip"].split("/")[-1]) and p != by_kind["corrupt_gzip"]
    )
    assert delivery_of(whole) == delivery_of(by_kind["corrupt_gzip"]) + timedelta(days=1)
    assert gzip.decompress(files[whole])
    with pytest.raises(UnicodeDecodeError):
        decode(files[by_kind["undecodable"]])
    with pytest.raises(csv.Error):
        csv_records(files[by_kind["unterminated_quote"]])
    assert "campaign_id" not in csv_records(files[by_kind["missing_column"]])[0]
    copy = by_kind["duplicate_file"]
    originals = [p for p, d in files.items() if d == files[copy] and p != copy]
    assert originals and all(delivery_of(p) < delivery_of(copy) for p in originals)
    assert files[by_kind["empty_file"]] == b""
    header, rows = csv_records(files[by_kind["header_only"]])
    assert header and rows == []


def test_record_counts_reconcile(dirty):
    summary, files = dirty
    skip = rejected_paths(summary)
    read = Counter()
    for path, data in files.items():
        if path not in skip:
            source = path.split("/")[0]
            read[source] += (
                len(jsonl_text(path, data).split("\n")) - 1 if source == "events" else len(csv_records(data)[1])
            )
    assert dict(read) == summary.records
    dropped = sum(1 for d in summary.defects if d.source == "events" and d.outcome in ("quarantined", "skipped"))
    assert summary.expected_loaded("events") == summary.records["events"] - dropped > 0
    assert summary.expected()[("events", "malformed_json")] == 2


def test_duplicates_and_retries_are_planted_as_described(dirty):
    summary, files = dirty
    skip = rejected_paths(summary)
    seen: dict[str, list[tuple[str, dict]]] = {}
    for path, data in sorted(files.items(), key=lambda kv: (delivery_of(kv[0]), kv[0])):
        if path.startswith("events/") and path not in skip:
            for text in jsonl_text(path, data).splitlines():
                if event_reason(text, delivery_of(path)) is None:
                    record = json.loads(text)
                    seen.setdefault(record["event_id"], []).append((path, record))
    copies = {k: v for k, v in seen.items() if len(v) > 1}
    assert len(copies) == 3
    assert all(delivery_of(v[1][0]) > delivery_of(v[0][0]) for v in copies.values())
    assert sum(1 for v in copies.values() if v[0][1]["event_time"] != v[1][1]["event_time"]) == 1
    orders = Counter(
        r["properties"]["order_id"] for v in seen.values() for _, r in v[:1] if r["event_name"] == "purchase"
    )
    assert sum(1 for n in orders.values() if n == 2) == 2
    formats = Counter(
        "epoch_ms" if isinstance(t, int) else "Z" if t.endswith("Z") else "+08:00" if t.endswith("+08:00")
        else "naive" if re.search(r"T[\d:.]+$", t) else "other_offset"
        for v in seen.values() for _, r in v[:1] for t in [r["event_time"]]
    )  # fmt: skip
    assert set(formats) == {"epoch_ms", "Z", "+08:00", "naive", "other_offset"}
    assert formats["+08:00"] > 0.85 * sum(formats.values())


def test_clean_zone_has_no_defects_and_the_same_business(clean, dirty):
    summary, files = clean
    assert summary.defects == []
    assert found_bad_records(files, set()) == set()
    for path, data in files.items():
        text = jsonl_text(path, data) if path.startswith("events/") else data.decode("utf-8")
        assert not text.startswith("\ufeff") and "\r\n" not in text, path

    def event_ids(zone: dict[str, bytes], skip: set[str]) -> set[str]:
        ids = set()
        for path, data in zone.items():
            if path.startswith("events/") and path not in skip:
                for text in jsonl_text(path, data).splitlines():
                    if event_reason(text, delivery_of(path)) is None:
                        ids.add(json.loads(text)["event_id"])
        return ids

    dirty_summary, dirty_files = dirty
    retries = {
        json.loads(jsonl_text(d.path, dirty_files[d.path]).split("\n")[d.line - 1])["event_id"]
        for d in dirty_summary.defects
        if d.kind == "retried_purchase"
    }
    assert event_ids(dirty_files, rejected_paths(dirty_summary)) - retries == event_ids(files, set())
    assert summary.events == dirty_summary.events and summary.orders == dirty_summary.orders


# --- planted problems -----------------------------------------------------------------------------------------------


def events_by_day(files: dict[str, bytes]) -> Counter[date]:
    days = Counter()
    for path, data in files.items():
        if path.startswith("events/"):
            for text in jsonl_text(path, data).splitlines():
                days[datetime.fromisoformat(json.loads(text)["event_time"]).date()] += 1
    return days


def monthly_nps(files: dict[str, bytes]) -> dict[str, float]:
    scores: dict[str, list[int]] = {}
    for path, data in files.items():
        if path.startswith("surveys/"):
            header, rows = csv_records(data)
            for _, row in rows:
                values = dict(zip(header, row, strict=True))
                if values["survey_id"].startswith("nps") and values["nps_score"]:
                    scores.setdefault(values["survey_id"], []).append(int(values["nps_score"]))
    return {k: 100 * (sum(s >= 9 for s in v) - sum(s <= 6 for s in v)) / len(v) for k, v in scores.items()}


def test_each_planted_problem_has_its_effect(tmp_path, clean):
    base_summary, base = clean
    summary = generate(tmp_path, clean=True, plant=tuple(PROBLEMS), **SMALL)
    files = read_zone(tmp_path)
    assert summary.plant == tuple(PROBLEMS) and summary.defects == []
    end = summary.end_date

    def signup_sources(zone: dict[str, bytes]) -> Counter:
        return Counter(
            json.loads(t).get("utm_source")
            for p, d in zone.items() if p.startswith("events/") for t in jsonl_text(p, d).splitlines()
            if '"signup"' in t and not json.loads(t)["event_time"].startswith(end.isoformat())  # volume_drop's day
        )  # fmt: skip

    def spend_channels(zone: dict[str, bytes]) -> Counter:
        return Counter(
            row[1] for p, d in zone.items() if p.startswith("marketing_spend/") for _, row in csv_records(d)[1]
        )

    assert signup_sources(files)["kuaishou_new"] >= 3 and signup_sources(base)["kuaishou_new"] == 0
    assert sum(signup_sources(files).values()) == sum(signup_sources(base).values())
    assert spend_channels(files)["kuaishou_new"] == 1 and spend_channels(base)["kuaishou_new"] == 0

    volume, normal = events_by_day(files), events_by_day(base)
    assert 0.15 < volume[end] / normal[end] < 0.4
    assert volume[end - timedelta(days=1)] == normal[end - timedelta(days=1)]

    nps, base_nps = monthly_nps(files), monthly_nps(base)
    assert nps["nps_2026_11"] < -40 and nps["nps_2026_11"] < base_nps["nps_2026_11"] - 40
    assert nps["nps_2026_10"] == base_nps["nps_2026_10"]

    last_feedback = max(delivery_of(p) for p in files if p.startswith("feedback/"))
    assert last_feedback == end - timedelta(days=4)
    assert max(delivery_of(p) for p in base if p.startswith("feedback/")) == end


def test_unknown_problem_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no_such_problem"):
        generate(tmp_path, plant=("no_such_problem",), **SMALL)


# --- size, speed, realism -------------------------------------------------------------------------------------------


def test_default_size_is_realistic_and_fast(tmp_path):
    started = time.monotonic()
    summary = generate(tmp_path, clean=True, progress=False)
    assert time.monotonic() - started < 60
    assert 100_000 <= summary.events <= 200_000
    assert summary.signups > 2_000 and summary.orders > 500
    events = [json.loads(t) for p, d in read_zone(tmp_path).items() if p.startswith("events/")
              for t in jsonl_text(p, d).splitlines()]  # fmt: skip
    names = Counter(e["event_name"] for e in events)
    assert {"signup", "login", "page_view", "feature_use", "purchase", "refund", "experiment_exposure",
            "app_crash"} <= set(names)  # fmt: skip
    assert names["refund"] > 20 and sum(1 for e in events if e["user_id"] is None) > 1000
    sources = Counter(e.get("utm_source", "<missing>") for e in events if e["event_name"] == "signup")
    assert {"抖音", "腾讯广告", "小红书", "", None, "<missing>"} <= set(sources)
    purchases = [e["properties"] for e in events if e["event_name"] == "purchase"]
    assert {p["currency"] for p in purchases} == {"CNY", "USD"}
    assert any(isinstance(p["amount"], str) for p in purchases) and any(
        isinstance(p["amount"], float) for p in purchases
    )
    variants = Counter(e["properties"]["variant"] for e in events if e["event_name"] == "experiment_exposure")
    assert set(variants) == {"control", "treatment"}
    late = [e for e in events if datetime.fromisoformat(e["received_at"]) - datetime.fromisoformat(e["event_time"])
            > timedelta(days=2)]  # fmt: skip
    assert len(late) > 0.01 * len(events)


# --- benchmark file and command line --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bench.jsonl", "bench.jsonl.gz"])
def test_bench_events_file(tmp_path, name):
    bench = write_bench_events(tmp_path / name, 5_000)
    data = jsonl_text(name, (tmp_path / name).read_bytes())
    lines = data.split("\n")[:-1]
    assert len(lines) == bench.lines == 5_000
    found = Counter(r for t in lines if (r := event_reason(t, date(2026, 11, 15))))
    assert dict(found) == bench.bad and 0 < sum(found.values()) < 0.01 * len(lines)
    assert 200 < len(data.encode()) / len(lines) < 400


def test_command_line(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "plugins"), "METRICS_LANDING_DIR": str(tmp_path)}
    command = [sys.executable, "-m", "metrics_local.sample", "--days", "14", "--users", "100", "--no-progress"]
    done = subprocess.run([*command, "--plant", "stale_source"], env=env, capture_output=True, text=True, check=True)
    assert len(done.stdout.strip().splitlines()) == 1 and "files" in done.stdout and str(tmp_path) in done.stdout
    assert (tmp_path / "events").is_dir() and (tmp_path / ".sample.json").is_file()
    refused = subprocess.run([*command, "--plant", "nope"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2
    bench = tmp_path / "bench.jsonl"
    done = subprocess.run(
        [*command, "--bench-events", "100", "--out", str(bench)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0 and len(bench.read_text().splitlines()) == 100
