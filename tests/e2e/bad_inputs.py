"""A catalogue of real-world bad inputs, each with its hand-counted outcome (README: Value rules, Ingestion rules).

Every case is one landing path. A file case holds one good record (line 2 of a CSV, line 1 of JSON Lines) and, unless
the whole file is the problem, one odd record after it; `expect` says what ingestion makes of it:
  Loaded({line: reason})        ledger status loaded, those lines quarantined with those reasons, every other line loaded
  File(status, reason)          ledger status and the reason its message starts with; nothing loaded
  Skipped(reason)               not a landing file: one row in ops.landing_skipped
The files of tests/cases/landing_files.yml (Excel's unnamed columns, NUL escapes, blank keys) join it, with their
hand-counted outcome.
"""

from __future__ import annotations

import gzip
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from tests.cases import landing_files

DAY = "2026-11-14"
NOON = f"{DAY}T12:00:00+08:00"
FEEDBACK = "feedback_id,user_id,created_at,channel,category,rating,content,status,first_response_at,resolved_at"
SURVEYS = "response_id,survey_id,user_id,submitted_at,nps_score,csat_score,comment"
SPEND = "date,channel,campaign_id,campaign_name,impressions,clicks,spend,currency"
FX = "date,currency,rate"


@dataclass(frozen=True)
class Loaded:
    quarantined: dict[int, str] = field(default_factory=dict)


@dataclass(frozen=True)
class File:
    status: str
    reason: str | None = None


@dataclass(frozen=True)
class Skipped:
    reason: str


@dataclass(frozen=True)
class Case:
    path: str  # below the landing root
    data: bytes | None  # None: `link` says what the path is
    expect: Loaded | File | Skipped
    link: str | None = None  # a symbolic link to this target


def _event(n: str, **changes) -> dict:
    return {"event_id": f"cat-{n}", "event_name": "login", "event_time": NOON, "user_id": f"cat-u{n}", **changes}


def _purchase(n: str, **properties) -> dict:
    props = {"order_id": f"cat-o{n}", "amount": "10.00", "currency": "CNY", **properties}
    return _event(n, event_name="purchase", properties={k: v for k, v in props.items() if v is not None})


def _jsonl(*lines: dict | str | bytes) -> bytes:
    def one(line: dict | str | bytes) -> bytes:
        if isinstance(line, dict):
            return json.dumps(line, ensure_ascii=False).encode()
        return line if isinstance(line, bytes) else line.encode()

    return b"".join(one(line) + b"\n" for line in lines)


def _events(n: int, odd: dict | str | bytes, expect: Loaded) -> Case:
    return Case(f"events/{DAY}/catalogue_{n:02d}.jsonl", _jsonl(_event(f"{n}-ok"), odd), expect)


def _csv(header: str, *rows: str, encoding: str = "utf-8") -> bytes:
    return "".join(f"{line}\r\n" for line in (header, *rows)).encode(encoding)


def _feedback(n: int, **changes: str) -> str:
    row = {
        "feedback_id": f"cat-f{n}",
        "user_id": f"cat-u{n}",
        "created_at": f"{DAY} 10:00:00",
        "channel": "app",
        "category": "建议",
        "rating": "4",
        "content": "ok",
        "status": "open",
        "first_response_at": "",
        "resolved_at": "",
        **changes,
    }
    return ",".join(row.values())


def _survey(n: int, **changes: str) -> str:
    row = {
        "response_id": f"cat-r{n}",
        "survey_id": "cat-s",
        "user_id": f"cat-u{n}",
        "submitted_at": f"{DAY} 10:00:00",
        "nps_score": "9",
        "csat_score": "5",
        "comment": "好",
        **changes,
    }
    return ",".join(row.values())


def _spend(n: int, **changes: str) -> str:
    row = {
        "date": DAY,
        "channel": "Douyin",
        "campaign_id": f"cat-c{n}",
        "campaign_name": "catalogue",
        "impressions": "1000",
        "clicks": "10",
        "spend": "12.50",
        "currency": "CNY",
        **changes,
    }
    return ",".join(row.values())


def _one_bad(source: str, header: str, row, n: int, expect: Loaded, **changes: str) -> Case:
    return Case(f"{source}/{DAY}/catalogue_{n:02d}.csv", _csv(header, row(n), row(n + 1000, **changes)), expect)


def _q(reason: str, line: int) -> Loaded:
    return Loaded({line: reason})


LOADED = Loaded()
EVENTS = [
    _events(1, _event("1", event_time="2026-11-14T10"), _q("bad_timestamp:event_time", 2)),  # hour only
    _events(2, _event("2", event_time="2026-11-14T10:00:00,5+08:00"), LOADED),  # comma fraction: read
    _events(3, _event("3", event_time="2026-W46-6"), _q("bad_timestamp:event_time", 2)),  # ISO week date
    _events(4, _event("4", event_time=NOON + "\u3000"), LOADED),  # trailing ideographic space: trimmed
    _events(5, _event("5", event_time="\u00a0" + NOON), LOADED),  # leading no-break space: trimmed
    _events(6, _event("6", event_time="2026-11-14T02:00:00Z\t"), LOADED),  # tab after Z: trimmed, Z kept
    _events(7, _purchase("7", amount="1e200000"), _q("out_of_range:amount", 2)),
    _events(
        8,
        f'{{"event_id":"cat-8","event_name":"purchase","event_time":"{NOON}","properties":{{"amount":1e308,'
        '"currency":"CNY","order_id":"cat-o8"}}',
        _q("out_of_range:amount", 2),
    ),
    _events(9, _purchase("9", amount="1.234,56"), _q("bad_number:amount", 2)),  # decimal comma: ambiguous
    _events(10, _purchase("10", amount=None), _q("missing_field:amount", 2)),
    _events(11, _purchase("11", amount="１２３"), LOADED),  # full-width digits: NFKC
    _events(12, _event("12", properties="a string"), _q("bad_type:properties", 2)),
    _events(
        13,
        b'{"event_id":"cat-13","event_name":"login","event_time":"' + NOON.encode() + b'","n":"\xe9"}',
        _q("undecodable", 2),
    ),
    _events(14, f'{{"event_id":"cat-14","event_name":"lo\x00gin","event_time":"{NOON}"}}', _q("malformed_json", 2)),
    _events(15, _event("15", user_id="a\u0000b"), _q("unsupported_character", 2)),
    _events(16, _event("16", event_time=17631234567890), _q("bad_timestamp:event_time", 2)),  # 14 digits
    _events(17, _event("17", event_time="20261114T040000Z"), LOADED),  # basic format, with the T: read
    _events(18, _event("18", event_time=True), _q("bad_type:event_time", 2)),
    _events(19, _purchase("19", amount=True), _q("bad_type:amount", 2)),
    _events(
        20,
        f'{{"event_id":"cat-20","event_name":"purchase","event_time":"{NOON}","properties":{{"amount":1e400}}}}',
        _q("malformed_json", 2),
    ),
    _events(21, _event("21", event_time="２０２６-１１-１４Ｔ１２：００：００＋０８：００"), LOADED),
    _events(22, _event("22", event_time="2026-02-30T10:00:00+08:00"), _q("bad_timestamp:event_time", 2)),
    _events(23, _event("23", event_time="2026-11-14T12:00:00 +08:00"), LOADED),  # space before the offset
    _events(24, _purchase("24", cost="abc"), _q("bad_number:cost", 2)),
    _events(25, _event("25", event_time="2026-11-14T12:00:00+15:00"), _q("bad_timestamp:event_time", 2)),
]
FEEDBACK_CASES = [
    _one_bad("feedback", FEEDBACK, _feedback, 30, _q("unsupported_character", 3), content="a\x00b"),
    _one_bad("feedback", FEEDBACK, _feedback, 31, _q("bad_timestamp:created_at", 3), created_at="2026-11-14T10"),
    _one_bad("feedback", FEEDBACK, _feedback, 32, LOADED, rating="５"),
    _one_bad("feedback", FEEDBACK, _feedback, 33, _q("bad_number:rating", 3), rating="4.5"),
    _one_bad("feedback", FEEDBACK, _feedback, 34, LOADED, created_at=f"{DAY} 10:00:00\u00a0"),
    _one_bad(
        "feedback", FEEDBACK, _feedback, 35, _q("bad_timestamp:first_response_at", 3), first_response_at="2026-W46-6"
    ),
    _one_bad("feedback", FEEDBACK, _feedback, 36, _q("missing_field:created_at", 3), created_at="\u3000"),
]
SURVEY_CASES = [
    _one_bad("surveys", SURVEYS, _survey, 40, LOADED, nps_score="１０"),
    _one_bad("surveys", SURVEYS, _survey, 41, _q("bad_number:nps_score", 3), nps_score="7.5"),
    _one_bad("surveys", SURVEYS, _survey, 42, _q("out_of_range:csat_score", 3), csat_score="６"),
    _one_bad("surveys", SURVEYS, _survey, 43, _q("bad_timestamp:submitted_at", 3), submitted_at="2026/11/14 10:00"),
    _one_bad("surveys", SURVEYS, _survey, 44, _q("unsupported_character", 3), comment="x\x00"),
    _one_bad("surveys", SURVEYS, _survey, 45, _q("bad_number:nps_score", 3), nps_score='"1.234,5"'),
]
SPEND_CASES = [
    _one_bad("marketing_spend", SPEND, _spend, 50, _q("bad_date:date", 3), date="20261114"),
    _one_bad("marketing_spend", SPEND, _spend, 51, _q("bad_date:date", 3), date="2026-W46-6"),
    _one_bad("marketing_spend", SPEND, _spend, 52, _q("out_of_range:impressions", 3), impressions="1.23457E+19"),
    _one_bad("marketing_spend", SPEND, _spend, 53, _q("bad_number:spend", 3), spend='"1.234,56"'),
    _one_bad("marketing_spend", SPEND, _spend, 54, LOADED, spend="１２３"),
    _one_bad("marketing_spend", SPEND, _spend, 55, _q("out_of_range:spend", 3), spend="1e308"),
    _one_bad("marketing_spend", SPEND, _spend, 56, _q("missing_field:spend", 3), spend="N/A"),
    _one_bad("marketing_spend", SPEND, _spend, 57, _q("bad_number:clicks", 3), clicks="1.5"),
    _one_bad("marketing_spend", SPEND, _spend, 58, LOADED, impressions='"1 000"'),
    _one_bad("marketing_spend", SPEND, _spend, 59, LOADED, date="２０２６-１１-１４"),
    _one_bad("marketing_spend", SPEND, _spend, 60, _q("out_of_range:clicks", 3), clicks="-3"),
]
FX_CASES = [
    Case(f"fx_rates/{DAY}/catalogue_61.csv", _csv(FX, f"{DAY},USD,7.10", f"{DAY},EUR,0"), _q("out_of_range:rate", 3)),
    Case(
        f"fx_rates/{DAY}/catalogue_62.csv", _csv(FX, f"{DAY},USD,7.10", f'{DAY},EUR,"7,12"'), _q("bad_number:rate", 3)
    ),
    Case(f"fx_rates/{DAY}/catalogue_63.csv", _csv(FX, f"{DAY},USD,7.10", "20261114,EUR,7.7"), _q("bad_date:date", 3)),
]
_GOOD_EVENTS = _jsonl(_event("70-ok"))
FILES = [
    Case(f"events/{DAY}/catalogue_70_empty.jsonl.gz", b"", File("empty")),
    Case(f"feedback/{DAY}/catalogue_71_empty.csv", b"", File("empty")),
    Case(f"surveys/{DAY}/catalogue_72_empty.csv", b"", File("empty")),
    Case(f"events/{DAY}/catalogue_73_\udcb6\udca9\udcb5\udca5.jsonl", _jsonl(_event("73-ok")), LOADED),  # GBK name
    Case(f"events/{DAY}/catalogue_74_unreadable.jsonl", None, File("unreadable", "unreadable"), link="/proc/self/mem"),
    Case(
        f"events/{DAY}/catalogue_75.jsonl.gz",
        gzip.compress(_jsonl(*(_event(f"75-{i}") for i in range(50))))[:-30],
        File("rejected", "corrupt_gzip"),
    ),
    Case(
        f"feedback/{DAY}/catalogue_76.csv",
        FEEDBACK.encode() + b"\r\ncat-f76,u,2026-11-14,app,\xff\xfe\x80,3,x,open,,\r\n",
        File("rejected", "undecodable"),
    ),
    Case(
        f"feedback/{DAY}/catalogue_77.csv",
        _csv("feedback_id,user_id,created_at", "cat-f77,u,2026-11-14"),
        File("rejected", "missing_column:channel"),
    ),
    Case(
        f"feedback/{DAY}/catalogue_78.csv",
        _csv(FEEDBACK) + b'cat-f78,u,2026-11-14,app,x,3,"never closed\r\n',
        File("rejected", "unterminated_quote"),
    ),
    Case(
        f"feedback/{DAY}/catalogue_79.csv",
        _csv(FEEDBACK + ",rating", _feedback(79) + ",5"),
        File("rejected", "duplicate_column:rating"),
    ),
    Case(
        f"surveys/{DAY}/catalogue_80.csv",
        b"\xff\xfe" + (SURVEYS + "\r\n" + _survey(80) + "\r\n").encode("utf-16-le"),
        File("rejected", "utf16"),
    ),
    Case(f"marketing_spend/{DAY}/catalogue_81_header_only.csv", _csv(SPEND), File("empty")),
    Case(
        f"events/{DAY}/catalogue_82_resent.jsonl",
        _jsonl(_event("1-ok"), _event("1", event_time="2026-11-14T10")),
        File("duplicate_file"),
    ),  # the bytes of catalogue_01.jsonl  # fmt: skip
    Case(f"events/{DAY}/catalogue_83_bom.jsonl", b"\xef\xbb\xbf" + _GOOD_EVENTS, LOADED),
    Case(f"events/{DAY}/catalogue_84_blank.jsonl", _jsonl(_event("84-ok"), "", "  "), LOADED),  # blank lines skipped
]
SKIPPED = [
    Case("readme.txt", b"what is this?\n", Skipped("stray_file")),
    Case("orders/2026-11-14/orders.csv", b"order_id\n1\n", Skipped("unknown_source")),
    Case("events/latest/app.jsonl", _GOOD_EVENTS, Skipped("not_a_delivery_date")),
    Case(f"events/{DAY}/upload.jsonl.part", _GOOD_EVENTS, Skipped("in_progress")),
    Case(f"feedback/{DAY}/export.csv.tmp", _csv(FEEDBACK), Skipped("in_progress")),
    Case(f"surveys/{DAY}/gone.csv", None, Skipped("broken_symlink"), link="does-not-exist.csv"),
    Case(f"events/{DAY}/.hidden.jsonl", _GOOD_EVENTS, Skipped("hidden")),
    Case(f"events/{DAY}/notes.txt", b"notes\n", Skipped("wrong_extension")),
    Case("events/readme.md", b"# events\n", Skipped("stray_file")),
    Case("2026-11-14/app.jsonl", _GOOD_EVENTS, Skipped("unknown_source")),
    Case(f"marketing_spend/{DAY}.csv", _csv(SPEND), Skipped("stray_file")),
]
FILE_CASES = [
    Case(case.path, case.data, Loaded(case.quarantined) if case.status == "loaded" else File(case.status, case.reason))
    for case in landing_files.CASES
]
CASES = [*EVENTS, *FEEDBACK_CASES, *SURVEY_CASES, *SPEND_CASES, *FX_CASES, *FILES, *SKIPPED, *FILE_CASES]


def stored_path(case: Case) -> str:
    """The path as the warehouse stores it (bytes of a name that is not UTF-8 as \\xNN)."""
    return os.fsencode(case.path).decode("utf-8", "backslashreplace")


def skipped_path(case: Case) -> str:
    """What ops.landing_skipped names: the unknown folder itself for files inside one."""
    if case.expect == Skipped("unknown_source"):
        return case.path.split("/")[0]
    if case.expect == Skipped("not_a_delivery_date"):
        return "/".join(case.path.split("/")[:2])
    return case.path


def write(root: Path, cases: list[Case] = CASES) -> None:
    for case in cases:
        path = root / case.path
        path.parent.mkdir(parents=True, exist_ok=True)
        if case.link is not None:
            path.symlink_to(case.link)
        else:
            path.write_bytes(case.data)


def records(case: Case) -> int:
    """Records ingestion reads from a loaded case (blank lines are read, then skipped by rule)."""
    lines = case.data.decode("utf-8", "replace").splitlines()
    return len(lines) - (0 if case.path.endswith(".jsonl") else 1)
