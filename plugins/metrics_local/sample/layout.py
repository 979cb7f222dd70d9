"""How the business truth is delivered: which record lands in which file under which delivery date.

A `LandingFile` is still a list of records here (events as `Event`s, CSV rows as lists of strings); `writers` turns it
into bytes. Dirt edits these plans before they are written, which is how it knows the final line of every defect.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from metrics_local.sample.population import CHANNELS, SHANGHAI, Event, Response, Ticket, World
from metrics_warehouse.contracts import SOURCES

EVENTS_PER_FILE = 5000
FEEDBACK_COLUMNS = list(SOURCES["feedback"].columns)
SPEND_COLUMNS = list(SOURCES["marketing_spend"].columns)
FX_COLUMNS = list(SOURCES["fx_rates"].columns)
CHINESE_CATEGORIES = {"complaint": "投诉", "suggestion": "建议", "question": "咨询", "praise": "表扬", "bug": "故障"}
DAILY_SPEND_CHANNELS = ("douyin", "tencent_ads")  # the big platforms export daily, the others weekly


@dataclass(frozen=True)
class Tag:
    """What dirt planted in a record or file, and what ingestion must do with it."""

    kind: str
    reason: str | None  # quarantine / ledger reason code; None when the record must load
    outcome: str  # quarantined | skipped | loaded (records); rejected | duplicate_file | empty (files)


@dataclass
class Line:
    value: object  # Event, or any JSON value, or str (written as is) for JSONL; list[str], str or bytes for CSV
    tag: Tag | None = None
    time_format: str = "offset"  # events: how event_time is written (see writers.TIME_FORMATS)


@dataclass
class LandingFile:
    source: str
    delivery: date
    name: str
    lines: list[Line]  # CSV: the header row first
    gzip: bool = False
    encoding: str = "utf-8"  # utf-8, utf-8-sig (BOM) or gb18030
    newline: str = "\n"
    tags: list[Tag] = field(default_factory=list)  # what was planted in the file as a whole
    truncate: bool = False  # cut the written bytes short (a broken upload)
    copy_of: LandingFile | None = None  # byte-identical copy of another file

    @property
    def path(self) -> str:
        return f"{self.source}/{self.delivery.isoformat()}/{self.name}"

    @property
    def is_csv(self) -> bool:
        return self.source != "events"


def plan(world: World, seed: int) -> list[LandingFile]:
    files = [
        *_event_files(world, random.Random(f"{seed}/delivery")),
        *_feedback_files(world),
        *_survey_files(world),
        *_spend_files(world),
        *_fx_files(world),
    ]
    return sorted(files, key=lambda f: f.path)


def end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, SHANGHAI)


def _event_files(world: World, rng: random.Random) -> list[LandingFile]:
    """Most events arrive on their business day, the late evening's the next morning, ~3% 2-5 days late."""
    batches: dict[tuple[date, int], list[Event]] = {}
    for event in world.events:
        late = rng.random() < 0.03
        if late:
            received = event.time + timedelta(days=rng.randint(2, 5), seconds=rng.randint(0, 6 * 3600))
        else:
            received = event.time + timedelta(milliseconds=rng.randint(300, 120_000))
        delivery = received.date()
        if not late and (received.hour >= 22 or rng.random() < 0.1):
            delivery += timedelta(days=1)
        delivery = min(delivery, world.end)  # the landing zone is a snapshot at the end of the last day
        event.received = min(received, end_of(delivery))
        lag = (delivery - event.time.date()).days
        batches.setdefault((delivery, min(lag, 2)), []).append(event)
    files = []
    for delivery in world.dates:
        chunks = []
        for lag in (1, 0, 2):  # yesterday's stragglers, today, then the late ones
            events = sorted(batches.get((delivery, lag), []), key=lambda e: (e.time, e.event_id))
            chunks += [events[i : i + EVENTS_PER_FILE] for i in range(0, len(events), EVENTS_PER_FILE)]
        gz = delivery.toordinal() % 3 == 0
        for seq, chunk in enumerate(chunks, start=1):
            name = f"events-{delivery:%Y%m%d}-{seq:02d}.jsonl" + (".gz" if gz else "")
            files.append(LandingFile("events", delivery, name, [Line(e) for e in chunk], gzip=gz))
    return files


def _exports(dates: list[date]) -> list[tuple[date | None, date]]:
    """(previous export, export) pairs for weekly exports: every Monday, and a last one on the final day."""
    days = [d for d in dates if d.weekday() == 0 and d != dates[0]] + [dates[-1]]
    days = sorted(set(days))
    return list(zip([None, *days[:-1]], days, strict=True))


def _changed(ticket: Ticket, after: date | None, until: date) -> bool:
    """Created, answered or resolved in (after, until]: the desk re-exports a ticket whenever its status changes."""
    moments = [t.date() for t in (ticket.created, ticket.first_response, ticket.resolved) if t is not None]
    return any((after is None or m > after) and m <= until for m in moments)


def _feedback_files(world: World) -> list[LandingFile]:
    files = []
    cs = [t for t in world.tickets if t.system == "cs"]
    for day in world.dates:  # the customer-service desk exports every evening
        rows = [_ticket_row(t, end_of(day), chinese=True) for t in cs if _changed(t, day - timedelta(days=1), day)]
        if rows:
            files.append(_csv("feedback", day, f"cs_tickets_{day:%Y%m%d}.csv", FEEDBACK_COLUMNS, rows))
    in_app = [t for t in world.tickets if t.system == "in_app"]
    for previous, day in _exports(world.dates):  # in-app feedback: weekly export, one extra column
        rows = [[*_ticket_row(t, end_of(day), chinese=False), "2.3.1"] for t in in_app if _changed(t, previous, day)]
        if rows:
            files.append(
                _csv("feedback", day, f"in_app_feedback_{day:%Y%m%d}.csv", [*FEEDBACK_COLUMNS, "sdk_version"], rows)
            )
    return files


def _ticket_row(ticket: Ticket, as_of: datetime, chinese: bool) -> list[str]:
    def stamp(moment: datetime | None) -> str:
        if moment is None or moment > as_of:
            return ""
        return moment.strftime("%Y-%m-%d %H:%M:%S") if chinese else moment.isoformat()

    resolved = ticket.resolved is not None and ticket.resolved <= as_of
    answered = ticket.first_response is not None and ticket.first_response <= as_of
    status = "resolved" if resolved else "in_progress" if answered else "new"
    rating = ticket.rating if ticket.system == "in_app" or resolved else None  # the desk asks for a rating at the end
    category = CHINESE_CATEGORIES[ticket.category] if chinese else ticket.category
    return [ticket.feedback_id, ticket.user_id or "", stamp(ticket.created), ticket.channel, category,
            "" if rating is None else str(rating), ticket.content, status, stamp(ticket.first_response),
            stamp(ticket.resolved)]  # fmt: skip


def _swapped(columns: tuple[str, ...], a: str, b: str) -> list[str]:
    return [b if c == a else a if c == b else c for c in columns]


# Each survey tool exports the contract's columns plus a question of its own; the CSAT tool puts its score first.
SURVEY_COLUMNS = {
    "nps": [*SOURCES["surveys"].columns, "q_favorite_feature"],
    "csat": [*_swapped(SOURCES["surveys"].columns, "nps_score", "csat_score"), "q_support_channel"],
}


def survey_row(response: Response, answer: str | None = None) -> list[str]:
    score = answer if answer is not None else "" if response.score is None else str(response.score)
    submitted = response.submitted.strftime("%Y-%m-%d %H:%M:%S")
    head = [response.response_id, response.survey_id, response.user_id, submitted]
    return [*head, score, "", response.comment, response.extra]


def _survey_files(world: World) -> list[LandingFile]:
    files = []
    for previous, day in _exports(world.dates):
        for kind, columns in SURVEY_COLUMNS.items():
            rows = [
                survey_row(r)
                for r in world.responses
                if r.kind == kind and (previous is None or r.submitted.date() > previous) and r.submitted.date() <= day
            ]
            if rows:
                files.append(_csv("surveys", day, f"{kind}_responses_{day:%Y%m%d}.csv", columns, rows))
    return files


def money(cents: int) -> str:
    return f"{'-' if cents < 0 else ''}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _spend_files(world: World) -> list[LandingFile]:
    files = []
    by_channel: dict[str, list] = {}
    for row in world.spend:
        by_channel.setdefault(row.channel.key, []).append(row)
    channels = [c.key for c in CHANNELS[1:]] + sorted(by_channel.keys() - {c.key for c in CHANNELS})
    for key in channels:
        rows = by_channel[key]
        if key in DAILY_SPEND_CHANNELS or len({r.day for r in rows}) == 1:
            windows = [(d - timedelta(days=1), d) for d in sorted({r.day for r in rows})]
        else:
            windows = _exports(world.dates)
        for previous, day in windows:
            picked = [r for r in rows if (previous is None or r.day > previous) and r.day <= day]
            lines = [
                [r.day.isoformat(), r.channel.export_alias, r.campaign_id, r.campaign_name, str(r.impressions),
                 str(r.clicks), money(r.spend_cents), "CNY"]
                for r in picked
            ]  # fmt: skip
            prefix = key if rows[0].channel in CHANNELS else rows[0].channel.export_alias
            files.append(_csv("marketing_spend", day, f"{prefix}_{day:%Y%m%d}.csv", SPEND_COLUMNS, lines))
    return files


def _fx_files(world: World) -> list[LandingFile]:
    def row(day: date, currency: str, rate: int) -> list[str]:
        return [day.isoformat(), currency, f"{rate // 10000}.{rate % 10000:04d}"]

    history = [row(*r) for r in world.fx if r[0] < world.start]
    files = [_csv("fx_rates", world.start, "usd_cny_history.csv", FX_COLUMNS, history)]
    for day, currency, rate in world.fx:
        if day >= world.start:
            lines = [row(day, currency, rate)]
            files.append(_csv("fx_rates", day, f"usd_cny_{day:%Y%m%d}.csv", FX_COLUMNS, lines))
    return files


def _csv(source: str, delivery: date, name: str, header: list[str], rows: list[list[str]]) -> LandingFile:
    return LandingFile(source, delivery, name, [Line(header)] + [Line(r) for r in rows])


def moved(file: LandingFile, delivery: date, name: str | None = None) -> LandingFile:
    """The same planned file, delivered on another date (and maybe under another name)."""
    return replace(file, delivery=delivery, name=name or file.name, lines=list(file.lines), tags=list(file.tags))
