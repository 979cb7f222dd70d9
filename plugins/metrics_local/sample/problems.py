"""Planted alert scenarios (`--plant NAME`): business problems the alerting rules must notice.

Unlike dirt, a problem changes the truth (or, for stale_source, what arrives), so it works the same with --clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

UNKNOWN_ALIAS = "kuaishou_new"
STALE_DELIVERIES = 4
BROKEN_PLATFORM = "android"  # segment_drop: returning users of this platform cannot get in on the last day
SPIKED_CHANNEL, SPIKE = "douyin", 4.0  # cac_spike: this channel's spend on the last day, times SPIKE
SURGE_COMPLAINTS = 40  # complaint_surge: extra complaints on the last day
MISSED_DISCOUNT = 0.6  # target_missed: every price in the last month times this (an unplanned discount)

PROBLEMS = {
    "unknown_alias": f"signups in the last 7 days and one spend row with the channel alias {UNKNOWN_ALIAS!r}",
    "volume_drop": "the last day's events are about 25% of normal",
    "nps_collapse": "the last month's NPS survey answers are mostly detractors",
    "stale_source": f"no feedback files in the last {STALE_DELIVERIES} delivery dates",
    "segment_drop": f"on the last day no returning {BROKEN_PLATFORM} user gets in (a broken release): DAU drops there",
    "cac_spike": f"{SPIKED_CHANNEL} spends {SPIKE:g}x on the last day for the same signups",
    "complaint_surge": f"{SURGE_COMPLAINTS} extra complaints on the last day",
    "target_missed": f"prices x{MISSED_DISCOUNT} through the last month: its net revenue target is missed",
}


@dataclass(frozen=True)
class Problems:
    unknown_alias: bool = False
    volume_drop: bool = False
    nps_collapse: bool = False
    stale_source: bool = False
    segment_drop: bool = False
    cac_spike: bool = False
    complaint_surge: bool = False
    target_missed: bool = False

    @classmethod
    def parse(cls, names: Iterable[str]) -> Problems:
        names = set(names)
        if unknown := sorted(names - PROBLEMS.keys()):
            raise ValueError(f"unknown problem(s) {', '.join(unknown)}; choose from {', '.join(PROBLEMS)}")
        return cls(**{name: True for name in names})

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name in PROBLEMS if getattr(self, name))

    def activity_scale(self, day_index: int, n_days: int) -> float:
        """Multiplier on the chance that anyone shows up on a day (signups included)."""
        return 0.25 if self.volume_drop and day_index == n_days - 1 else 1.0

    def delivered(self, source: str, delivery: date, end: date) -> bool:
        stale = self.stale_source and source == "feedback" and delivery > end - timedelta(days=STALE_DELIVERIES)
        return not stale

    def user_scale(self, platform: str, returning: bool, day_index: int, n_days: int) -> float:
        """Multiplier on the chance that one user shows up on a day."""
        broken = self.segment_drop and returning and platform == BROKEN_PLATFORM and day_index == n_days - 1
        return 0.0 if broken else 1.0

    def spend_scale(self, channel: str, day_index: int, n_days: int) -> float:
        spiked = self.cac_spike and channel == SPIKED_CHANNEL and day_index == n_days - 1
        return SPIKE if spiked else 1.0

    def extra_complaints(self, day_index: int, n_days: int) -> int:
        return SURGE_COMPLAINTS if self.complaint_surge and day_index == n_days - 1 else 0

    def price_scale(self, day: date, end: date) -> float:
        discounted = self.target_missed and (day.year, day.month) == (end.year, end.month)
        return MISSED_DISCOUNT if discounted else 1.0
