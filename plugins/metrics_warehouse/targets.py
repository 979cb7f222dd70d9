"""KPI targets (config/targets.yml): read, validated against the owners, and stored in ops.targets for the kpi_targets
mart. Stored by the pipeline's prepare step, so each run's marts measure against the file as it is then."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path

from metrics_warehouse.config_files import ConfigError, read_yaml
from metrics_warehouse.owners import load_owners
from metrics_warehouse.settings import CONFIG_DIR
from metrics_warehouse.warehouse.connection import connect

TARGETS_PATH = CONFIG_DIR / "targets.yml"
# The KPIs a target may name, each with the kpi column that defines it (kpi_targets reads their definitions).
KPIS = {
    "new_users": "kpi_daily.new_users",
    "paid_new_users": "kpi_daily.paid_new_users",
    "orders": "kpi_daily.orders",
    "net_revenue": "kpi_daily.net_revenue",
    "marketing_spend": "kpi_daily.marketing_spend",
    "dau": "kpi_daily.dau",
    "cac": "kpi_daily.cac",
    "retention_d7": "kpi_retention_cohorts.retention_d7",
    "nps": "kpi_survey_monthly.nps",
}
PER_CHANNEL = ("cac", "marketing_spend")
PERIODS = ("month", "week")
DIRECTIONS = ("at_least", "at_most")


@dataclass(frozen=True)
class Target:
    name: str
    kpi: str
    channel: str | None
    period: str
    target: float
    direction: str
    owner: str


def load_targets(path: Path | str | None = None, owners_path: Path | str | None = None) -> list[Target]:
    path = Path(path or TARGETS_PATH)
    owners = load_owners(owners_path)
    targets = []
    for index, raw in enumerate(read_yaml(path).get("targets") or []):
        where = f"{path}: target #{index + 1} ({raw.get('name', 'unnamed')})"
        if missing := [k for k in ("name", "kpi", "period", "target", "direction", "owner") if k not in raw]:
            raise ConfigError(f"{where}: missing {', '.join(missing)}")
        for key, allowed in (("kpi", KPIS), ("period", PERIODS), ("direction", DIRECTIONS), ("owner", owners)):
            if raw[key] not in allowed:
                raise ConfigError(f"{where}: {key} must be one of {', '.join(allowed)}")
        if raw.get("channel") and raw["kpi"] not in PER_CHANNEL:
            raise ConfigError(f"{where}: only {', '.join(PER_CHANNEL)} targets take a channel")
        targets.append(
            Target(
                raw["name"],
                raw["kpi"],
                raw.get("channel"),
                raw["period"],
                float(raw["target"]),
                raw["direction"],
                raw["owner"],
            )  # fmt: skip
        )
    names = [t.name for t in targets]
    if duplicated := sorted({n for n in names if names.count(n) > 1}):
        raise ConfigError(f"{path}: duplicate target name(s) {', '.join(duplicated)}")
    return targets


def store(url: str, path: Path | str | None = None) -> int:
    """Replace ops.targets with the file's targets; returns how many."""
    targets = load_targets(path)
    with connect(url) as conn:
        conn.execute("delete from ops.targets")
        with conn.cursor() as cur:
            cur.executemany(
                "insert into ops.targets (name, kpi, channel, period, target, direction, owner)"
                " values (%s, %s, %s, %s, %s, %s, %s)",
                [astuple(t) for t in targets],
            )
    return len(targets)
