"""KPI targets (config/targets.yml): read, validated against the target kinds of the kpi columns' meta (each target's
owner is its KPI column's owner), and stored in ops.targets for the kpi_targets mart. Stored by the pipeline's prepare
step, so each run's marts measure against the file as it is then."""

from __future__ import annotations

from dataclasses import astuple, dataclass
from pathlib import Path

from metrics_warehouse.config_files import ConfigError, read_yaml
from metrics_warehouse.dbt.kpi_meta import KpiColumn, kpi_columns
from metrics_warehouse.settings import CONFIG_DIR
from metrics_warehouse.warehouse.connection import connect

TARGETS_PATH = CONFIG_DIR / "targets.yml"
CHANNEL_BY = "channel"
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


def target_kinds(manifest_path: Path | None = None) -> dict[str, KpiColumn]:
    """The kpis a target may name (the `target` meta of the kpi columns), each with the column that defines it over
    all channels; the same kind declared `by: channel` (see per_channel) measures one channel."""
    kinds: dict[str, KpiColumn] = {}
    for kpi in kpi_columns(manifest_path):
        if kpi.target and not kpi.target.get("by"):
            if kpi.target["name"] in kinds:
                raise ConfigError(f"{kpi.where}: target {kpi.target['name']} is also {kinds[kpi.target['name']].where}")
            kinds[kpi.target["name"]] = kpi
    return kinds


def per_channel(manifest_path: Path | None = None) -> tuple[str, ...]:
    """The target kinds a target may name one channel of."""
    return tuple(
        sorted({k.target["name"] for k in kpi_columns(manifest_path) if (k.target or {}).get("by") == CHANNEL_BY})
    )


def load_targets(path: Path | str | None = None, manifest_path: Path | None = None) -> list[Target]:
    path = Path(path or TARGETS_PATH)
    kinds, channelled = target_kinds(manifest_path), per_channel(manifest_path)
    targets = []
    for index, raw in enumerate(read_yaml(path).get("targets") or []):
        where = f"{path}: target #{index + 1} ({raw.get('name', 'unnamed')})"
        if missing := [k for k in ("name", "kpi", "period", "target", "direction") if k not in raw]:
            raise ConfigError(f"{where}: missing {', '.join(missing)}")
        if "owner" in raw:
            raise ConfigError(f"{where}: no owner here: a target's owner is its KPI column's (meta.owner)")
        for key, allowed in (("kpi", kinds), ("period", PERIODS), ("direction", DIRECTIONS)):
            if raw[key] not in allowed:
                raise ConfigError(f"{where}: {key} must be one of {', '.join(allowed)}")
        if raw.get("channel") and raw["kpi"] not in channelled:
            raise ConfigError(f"{where}: only {', '.join(channelled)} targets take a channel")
        targets.append(
            Target(
                raw["name"],
                raw["kpi"],
                raw.get("channel"),
                raw["period"],
                float(raw["target"]),
                raw["direction"],
                kinds[raw["kpi"]].owner,
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
