"""KPIs computed straight from the landing files with pandas, independently of ingestion and dbt.

Which records count is taken from the generator's own defect list (what it planted where), not from the warehouse.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pandas as pd

from metrics_local.sample.generate import Summary

ACTIVITY = {"signup", "login", "page_view", "feature_use", "purchase"}
SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
DROPPED_FILES = {"rejected", "duplicate_file", "empty"}


@dataclass(frozen=True)
class Settings:
    """The settings of the run being checked (README: Configuration); the defaults are the project's."""

    reporting_tz: str = "Asia/Shanghai"
    source_tz: str = ""  # "": the reporting zone
    currency: str = "CNY"

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.reporting_tz)

    @property
    def source_zone(self) -> ZoneInfo:
        return ZoneInfo(self.source_tz or self.reporting_tz)


DEFAULT = Settings()


def _dropped(sample: Summary) -> tuple[set[str], set[tuple[str, int]]]:
    files = {d.path for d in sample.defects if d.line is None and d.outcome in DROPPED_FILES}
    records = {
        (d.path, d.record) for d in sample.defects if d.record is not None and d.outcome in ("quarantined", "skipped")
    }
    return files, records


def _files(landing: Path, source: str, dropped_files: set[str]):
    for path in sorted((landing / source).rglob("*")):
        relpath = path.relative_to(landing).as_posix()
        if path.is_file() and relpath not in dropped_files:
            yield path, relpath, date.fromisoformat(path.parent.name)


def _timestamp(value, settings: Settings) -> datetime:
    if isinstance(value, int) or (isinstance(value, str) and value.strip().isdigit()):
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    parsed = datetime.fromisoformat(value.strip())
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=settings.source_zone)


def events(landing: Path, sample: Summary, settings: Settings = DEFAULT) -> pd.DataFrame:
    """Clean events: accepted lines, deduplicated by event_id (first delivered copy wins); `date` is the business date."""
    dropped_files, dropped_records = _dropped(sample)
    rows = []
    for path, relpath, delivered in _files(landing, "events", dropped_files):
        opener = gzip.open if path.name.endswith(".gz") else open
        with opener(path, "rt", encoding="utf-8-sig") as handle:
            for number, line in enumerate(handle, start=1):
                if (relpath, number) in dropped_records:
                    continue
                event = json.loads(line)
                at = _timestamp(event["event_time"], settings)
                rows.append(
                    {
                        "delivered": delivered,
                        "relpath": relpath,
                        "line": number,
                        "event_id": str(event["event_id"]),
                        "event_name": event["event_name"],
                        "user_id": event.get("user_id") or None,
                        "event_at": at,
                        "date": at.astimezone(settings.zone).date(),
                        "utm_source": event.get("utm_source"),
                        "properties": event.get("properties") or {},
                    }
                )
    frame = pd.DataFrame(rows).sort_values(["delivered", "relpath", "line"])
    return frame.drop_duplicates("event_id", keep="first").reset_index(drop=True)


def _csv_records(landing: Path, source: str, sample: Summary):
    dropped_files, dropped_records = _dropped(sample)
    for path, relpath, delivered in _files(landing, source, dropped_files):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("gb18030")
        reader = csv.reader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in next(reader)]
        for number, fields in enumerate(reader, start=1):
            if (relpath, number) not in dropped_records:
                yield delivered, relpath, number, dict(zip(header, fields, strict=True))


def _number(text: str) -> Decimal:
    return Decimal(re.sub(r"[\s,¥$￥]", "", text))


@dataclass(frozen=True)
class Rates:
    """Rates to the reporting currency per currency, by date: the shipped fallback (via USD, valid since date.min)
    and the delivered ones (quoted in the reporting currency)."""

    currency: str
    by_currency: dict[str, dict[date, Decimal]] = field(default_factory=dict)

    def convert(self, amount: Decimal, currency: str, on: date) -> Decimal | None:
        """`amount` in the reporting currency at the latest rate on or before `on`; None when there is none."""
        currency = currency.strip().upper()
        if currency == self.currency:
            return amount
        known = [rate for day, rate in sorted(self.by_currency.get(currency, {}).items()) if day <= on]
        return amount * known[-1] if known else None


def fx_rates(landing: Path, sample: Summary, settings: Settings = DEFAULT) -> Rates:
    fallback = pd.read_csv(SEEDS / "fx_fallback_rates.csv", dtype=str)
    usd = {row.currency: Decimal(row.usd_per_unit) for row in fallback.itertuples()}
    rates = Rates(settings.currency, {c: {date.min: v / usd[settings.currency]} for c, v in usd.items()})
    for _, _, _, record in _csv_records(landing, "fx_rates", sample):
        by_date = rates.by_currency.setdefault(record["currency"].strip().upper(), {})
        by_date[date.fromisoformat(record["date"].strip())] = _number(record["rate"])
    return rates


def orders(clean: pd.DataFrame, rates: Rates) -> pd.DataFrame:
    """Orders with `amount_reporting`: None where no rate converts the amount."""
    purchases = clean[clean.event_name == "purchase"].copy()
    purchases["order_id"] = purchases.properties.map(lambda p: p["order_id"])
    purchases = purchases.sort_values(["event_at", "event_id"]).drop_duplicates("order_id", keep="first")
    purchases["amount_reporting"] = [
        rates.convert(Decimal(str(p["amount"])), p.get("currency") or "", d)
        for p, d in zip(purchases.properties, purchases.date, strict=True)
    ]
    return purchases


def users(clean: pd.DataFrame, channel_aliases: dict[str, str]) -> pd.DataFrame:
    signups = clean[(clean.event_name == "signup") & clean.user_id.notna()].sort_values(["event_at", "event_id"])
    first = signups.drop_duplicates("user_id", keep="first").copy()

    def channel(utm) -> str:
        if utm is None or str(utm).strip() == "":
            return "organic"
        return channel_aliases.get(str(utm).strip().lower(), "unmapped")

    first["channel"] = first.utm_source.map(channel)
    return first.rename(columns={"date": "signup_date"})[["user_id", "signup_date", "channel"]]


def channel_aliases() -> dict[str, str]:
    seed = pd.read_csv(SEEDS / "channel_aliases.csv", dtype=str, keep_default_na=False)
    return {alias.strip().lower(): channel for alias, channel in zip(seed.alias, seed.channel, strict=True)}


def paid_channels() -> set[str]:
    seed = pd.read_csv(SEEDS / "channels.csv", dtype=str, keep_default_na=False)
    return {c for c, paid in zip(seed.channel, seed.is_paid, strict=True) if paid.lower() in ("true", "t", "1")}


def daily_spend(landing: Path, sample: Summary, rates: Rates) -> dict[date, Decimal]:
    """Spend per date in the reporting currency: restatements of (date, channel, campaign_id) replace earlier
    deliveries; a blank currency is the reporting currency."""
    aliases = channel_aliases()
    latest: dict[tuple, tuple] = {}
    for delivered, relpath, number, record in _csv_records(landing, "marketing_spend", sample):
        if record["date"].strip() in ("合计", "Total", "总计"):
            continue
        channel = aliases.get(record["channel"].strip().lower(), "unmapped")
        key = (record["date"].strip(), channel, record["campaign_id"].strip())
        latest[key] = (delivered, relpath, number, record)  # files are read in delivery order
    spend: dict[date, Decimal] = {}
    for (day, _, _), (_, _, _, record) in latest.items():
        on = date.fromisoformat(day)
        amount = rates.convert(_number(record["spend"]), record.get("currency") or rates.currency, on)
        if amount is not None:  # money no rate converts is in no sum
            spend[on] = spend.get(on, Decimal(0)) + amount
    return spend


def survey_nps(landing: Path, sample: Summary, settings: Settings = DEFAULT) -> dict[tuple[date, str], float | None]:
    """NPS per (month_start, survey_id): responses deduplicated by response_id (latest delivery), then the latest
    submission per (survey_id, user_id, month) counts even when it has no NPS answer."""
    latest: dict[str, dict] = {}
    for _, _, _, record in _csv_records(landing, "surveys", sample):
        latest[record["response_id"].strip()] = record
    frame = pd.DataFrame(latest.values())
    frame["submitted_at"] = frame.submitted_at.map(lambda value: _timestamp(value, settings))
    frame["month"] = frame.submitted_at.map(lambda t: t.astimezone(settings.zone).date().replace(day=1))
    frame = frame.sort_values(["submitted_at", "response_id"])
    with_user = frame[frame.user_id.str.strip() != ""]
    kept = pd.concat(
        [
            with_user.drop_duplicates(["survey_id", "user_id", "month"], keep="last"),
            frame[frame.user_id.str.strip() == ""],
        ]
    )
    nps = {}
    for (month, survey), group in kept.groupby(["month", "survey_id"]):
        scores = [int(s) for s in group.nps_score if s.strip() and s.strip().upper() != "N/A"]
        promoters = sum(s >= 9 for s in scores)
        detractors = sum(s <= 6 for s in scores)
        nps[(month, survey)] = 100 * (promoters - detractors) / len(scores) if scores else None
    return nps


def as_of_date(clean: pd.DataFrame) -> date:
    return clean[clean.event_name.isin(ACTIVITY)].date.max()


def active_days(clean: pd.DataFrame) -> pd.DataFrame:
    active = clean[clean.event_name.isin(ACTIVITY) & clean.user_id.notna()]
    return active[["user_id", "date"]].drop_duplicates()
