"""One big events file for the ingestion benchmark, streamed with bounded memory."""

from __future__ import annotations

import gzip
import json
import random
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from metrics_local.sample.population import FEATURES, PAGES, SHANGHAI
from metrics_local.sample.writers import format_time, json_line

BAD_EVERY = 250  # about 0.4% of the lines are bad, one reason after another
_BAD = ("malformed_json", "missing_field:event_id", "bad_timestamp:event_time", "not_an_object", "blank_line")
_NAMES = (("page_view", 50), ("feature_use", 25), ("login", 12), ("experiment_exposure", 5), ("purchase", 3),
          ("signup", 2), ("refund", 1), ("app_crash", 1))  # fmt: skip


@dataclass(frozen=True)
class BenchSummary:
    path: Path
    lines: int
    bad: dict[str, int]  # reason code → lines
    size_bytes: int


def write_bench_events(path: Path, n: int, *, seed: int = 42, end_date: date = date(2026, 11, 15)) -> BenchSummary:
    """n JSON lines (~300 bytes each) with event times in the 30 days up to end_date, so the file can be delivered
    under any events/<date>/ folder from end_date on. A `.gz` suffix writes it gzip-compressed."""
    rng = random.Random(f"{seed}/bench")
    first = datetime.combine(end_date - timedelta(days=29), time(), SHANGHAI)
    span_ms = 30 * 86_400_000 - 1
    tails = [_tail(rng) for _ in range(4096)]  # who/what varies by line from a pool; ids and times are all new
    bad: Counter[str] = Counter()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as raw:
        sink = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) if path.suffix == ".gz" else raw
        batch: list[str] = []
        for number in range(1, n + 1):
            moment = first + timedelta(milliseconds=rng.randrange(span_ms))
            name, tail = tails[rng.getrandbits(12)]
            received = format_time(moment + timedelta(milliseconds=rng.randrange(90_000)), "utc")
            line = (
                f'{{"event_id":"{_uuid(rng)}","event_name":"{name}","event_time":"{format_time(moment, "offset")}",'
                f'{tail},"received_at":"{received}"}}'
            )
            if number % BAD_EVERY == 0:
                reason = _BAD[(number // BAD_EVERY) % len(_BAD)]
                bad[reason] += 1
                line = _spoil(json.loads(line), line, reason)
            batch.append(line)
            if len(batch) == 10_000:
                sink.write(("\n".join(batch) + "\n").encode())
                batch.clear()
        if batch:
            sink.write(("\n".join(batch) + "\n").encode())
        if sink is not raw:
            sink.close()
    return BenchSummary(path, n, dict(sorted(bad.items())), path.stat().st_size)


def _uuid(rng: random.Random) -> str:
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{h[16:20]}-{h[20:]}"


def _tail(rng: random.Random) -> tuple[str, str]:
    """An event name and the rest of its JSON object (without braces): user, device and properties."""
    name = rng.choices(*zip(*_NAMES, strict=True))[0]
    record = {
        "user_id": f"u{rng.randint(100001, 160000)}" if rng.random() < 0.97 else None,
        "anonymous_id": f"a{rng.getrandbits(48):012x}",
        "platform": rng.choice(("ios", "android", "web", "miniprogram")),
        "app_version": "5.2.0",
        "properties": _properties(rng, name),
    }
    return name, json_line(record)[1:-1]


def _properties(rng: random.Random, name: str) -> dict:
    session = {"session_id": f"s{rng.getrandbits(40):010x}", "page": rng.choice(PAGES)}
    if name == "feature_use":
        return session | {"feature": rng.choice(FEATURES)}
    if name in ("purchase", "refund"):
        return session | {"order_id": f"ORD{rng.getrandbits(48):012X}", "amount": rng.choice((30, 78, 268, 49.5)),
                          "currency": "CNY", "cost": 9.5}  # fmt: skip
    if name == "experiment_exposure":
        return session | {"experiment_id": "checkout_button", "variant": rng.choice(("control", "treatment"))}
    return session


def _spoil(record: dict, line: str, reason: str) -> str:
    if reason == "malformed_json":
        return line[:-17]
    if reason == "missing_field:event_id":
        return json_line({k: v for k, v in record.items() if k != "event_id"})
    if reason == "bad_timestamp:event_time":
        return json_line({**record, "event_time": "yesterday"})
    if reason == "not_an_object":
        return "[1,2]"
    return ""
