"""Planted alert scenarios (`--plant NAME`): business problems the alerting rules must notice.

Unlike dirt, a problem changes the truth (or, for stale_source, what arrives), so it works the same with --clean.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

UNKNOWN_ALIAS = "kuaishou_new"
STALE_DELIVERIES = 4

PROBLEMS = {
    "unknown_alias": f"signups in the last 7 days and one spend row with the channel alias {UNKNOWN_ALIAS!r}",
    "volume_drop": "the last day's events are about 25% of normal",
    "nps_collapse": "the last month's NPS survey answers are mostly detractors",
    "stale_source": f"no feedback files in the last {STALE_DELIVERIES} delivery dates",
}


@dataclass(frozen=True)
class Problems:
    unknown_alias: bool = False
    volume_drop: bool = False
    nps_collapse: bool = False
    stale_source: bool = False

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
