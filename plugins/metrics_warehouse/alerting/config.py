"""The alert rules, validated, with errors naming their file: a KPI's rules from the `alert` meta of its column in its
kpi model's YAML (metrics_warehouse.dbt.kpi_meta; target_off_track is the alert of kpi_targets.on_track) and the
data-operations rules from config/alert_rules.yml."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from metrics_warehouse.config_files import ConfigError, read_yaml
from metrics_warehouse.dbt.kpi_meta import KpiColumn, alert_name, kpi_columns
from metrics_warehouse.settings import CONFIG_DIR

RULES_PATH = CONFIG_DIR / "alert_rules.yml"

SEVERITIES = ("critical", "warning", "info")
CONDITIONS = ("above", "below", "below_trailing_median", "drop_from_previous", "rows", "anomaly")
DIRECTIONS = ("drop", "rise", "both")
SEASONALITIES = ("weekly", "none")
# Anomaly settings a rule may override; `anomaly_defaults` at the top of alert_rules.yml overrides these.
ANOMALY_DEFAULTS = {
    "training": 4,
    "min_history": 3,
    "sensitivity": 2.0,
    "min_change": 0.25,
    "min_delta": 0.0,
    "seasonality": "weekly",
    "window": 1,
    "trend": False,
}
_MEASURES = re.compile(r"kpi_\w+\.\w+")


@dataclass(frozen=True)
class Condition:
    """`above`/`below`: value beyond threshold (per_subject overrides it); `below_trailing_median`: the latest value
    below threshold x the median of the `days` values before it; `drop_from_previous`: the latest value more than
    threshold below the previous one; `rows`: every row the query returns is a violation; `anomaly`: the latest value
    moved against its own past (`direction`) by more than `sensitivity` standard deviations and more than `min_change`
    (relative) from the expected value, the median of the same weekdays of the `training` weeks before
    (seasonality weekly) or of the `training` periods before (seasonality none), judged with `min_history` of them,
    and by at least `min_delta` in the KPI's unit. `trend`: expect the least-squares line through those values
    carried forward instead of their median (a KPI that grows week by week). `window`: the series' values are aggregates over that many days
    ending on their date (its query computes them; the drill-down sums its segments over the same days)."""

    kind: str
    threshold: float | None = None
    days: int = 7
    per_subject: dict[str, float] = field(default_factory=dict)
    direction: str = "both"
    training: int = ANOMALY_DEFAULTS["training"]
    min_history: int = ANOMALY_DEFAULTS["min_history"]
    sensitivity: float = ANOMALY_DEFAULTS["sensitivity"]
    min_change: float = ANOMALY_DEFAULTS["min_change"]
    min_delta: float = ANOMALY_DEFAULTS["min_delta"]
    seasonality: str = ANOMALY_DEFAULTS["seasonality"]
    window: int = ANOMALY_DEFAULTS["window"]
    trend: bool = ANOMALY_DEFAULTS["trend"]

    def threshold_for(self, subject: str) -> float | None:
        return self.per_subject.get(subject, self.threshold)


@dataclass(frozen=True)
class Rule:
    name: str
    query: str
    condition: Condition
    severity: str
    owner: str
    description: str = ""
    tags: tuple[str, ...] = ()
    enabled: bool = True
    drilldown: str | None = None  # metric of kpi.kpi_segments_daily that explains the rule's KPI
    kpi: dict[str, Any] | None = None  # the `kpi:` shorthand it was declared with (table, column, ...)
    measures: str | None = None  # the KPI dictionary's `<kpi model>.<column>` its values are (named so in the digest)


def kpi_query(kpi: dict[str, Any]) -> str:
    """The query of a `kpi:` shorthand: {table, column, date_column, by, where, sum_days} (all but the first two
    optional); `sum_days: N` makes each value the sum over the N days ending on its date."""
    subject = f"{kpi['by']}::text" if kpi.get("by") else f"'{kpi['column']}'"
    where = f" where {kpi['where']}" if kpi.get("where") else ""
    period, value = kpi.get("date_column", "date"), kpi["column"]
    if kpi.get("sum_days"):
        value = (
            f"sum({value}) over (partition by {subject} order by {period} "
            f"range between interval '{int(kpi['sum_days']) - 1} days' preceding and current row)"
        )
    return f"select {subject} as subject, {period} as period, {value} as value from {kpi['table']}{where}"


def _measured(kpi: dict[str, Any] | None) -> str | None:
    """The kpi column a `kpi:` shorthand on a table of the kpi schema watches."""
    if not kpi or not str(kpi["table"]).startswith("kpi."):
        return None
    return f"{kpi['table'].removeprefix('kpi.')}.{kpi['column']}"


def _condition(raw: Any, where: str, anomaly_defaults: dict[str, Any]) -> Condition:
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: condition must be a mapping such as {{above: 100}}")
    kinds = [k for k in raw if k in CONDITIONS]
    if len(kinds) != 1:
        raise ConfigError(f"{where}: condition needs exactly one of {', '.join(CONDITIONS)}")
    kind = kinds[0]
    allowed = {kind} | ({"days", "per_subject"} if kind != "anomaly" else set(ANOMALY_DEFAULTS))
    if unknown := set(raw) - allowed:
        raise ConfigError(f"{where}: unknown condition key(s) {', '.join(sorted(unknown))}")
    if kind == "anomaly":
        return _anomaly(raw, where, anomaly_defaults)
    threshold = None if kind == "rows" else float(raw[kind])
    return Condition(
        kind, threshold, int(raw.get("days", 7)), {k: float(v) for k, v in raw.get("per_subject", {}).items()}
    )


def _anomaly(raw: dict[str, Any], where: str, defaults: dict[str, Any]) -> Condition:
    settings = ANOMALY_DEFAULTS | defaults | {k: v for k, v in raw.items() if k in ANOMALY_DEFAULTS}
    if raw["anomaly"] not in DIRECTIONS:
        raise ConfigError(f"{where}: anomaly direction must be one of {', '.join(DIRECTIONS)}")
    if settings["seasonality"] not in SEASONALITIES:
        raise ConfigError(f"{where}: seasonality must be one of {', '.join(SEASONALITIES)}")
    if not 1 <= int(settings["min_history"]) <= int(settings["training"]):
        raise ConfigError(f"{where}: min_history must be between 1 and training")
    return Condition(
        "anomaly",
        direction=raw["anomaly"],
        training=int(settings["training"]),
        min_history=int(settings["min_history"]),
        sensitivity=float(settings["sensitivity"]),
        min_change=float(settings["min_change"]),
        min_delta=float(settings["min_delta"]),
        seasonality=settings["seasonality"],
        window=int(settings["window"]),
        trend=bool(settings["trend"]),
    )


# A KPI column's `alert` meta: these keys make its condition, the rest its rule (its owner is the column's).
_CONDITION_KEYS = {*CONDITIONS, *ANOMALY_DEFAULTS, "days", "per_subject"}
_META_RULE_KEYS = {"name", "description", "severity", "drilldown", "tags", "enabled", "query"}
_SHORTHAND_KEYS = ("date_column", "by", "where", "sum_days")


def _meta_rule(kpi: KpiColumn, alert: dict[str, Any]) -> dict[str, Any]:
    """The rule an `alert` meta states, as alert_rules.yml would: named `<column>_anomaly` unless it says otherwise,
    watching its column through the `kpi:` shorthand unless it brings its own `query` (then it measures the column)."""
    where = f"{kpi.where}: meta.alert"
    if unknown := set(alert) - _CONDITION_KEYS - _META_RULE_KEYS - set(_SHORTHAND_KEYS):
        raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    rule = {key: alert[key] for key in _META_RULE_KEYS if key in alert}
    rule |= {"name": alert_name(kpi.column, alert), "owner": kpi.owner, "measures": kpi.measures}
    rule["condition"] = {key: value for key, value in alert.items() if key in _CONDITION_KEYS}
    shorthand = {key: alert[key] for key in _SHORTHAND_KEYS if key in alert}
    if "query" in alert:
        if shorthand:
            raise ConfigError(f"{where}: a query alert takes none of {', '.join(_SHORTHAND_KEYS)}")
        return rule
    named = {kpi.column, shorthand.get("date_column", "date"), *([shorthand["by"]] if "by" in shorthand else [])}
    if missing := sorted(named - kpi.model_columns):
        raise ConfigError(f"{where}: {', '.join(missing)} is no column of {kpi.model}")
    return rule | {"kpi": {"table": f"kpi.{kpi.model}", "column": kpi.column, **shorthand}}


def _rule(raw: dict[str, Any], where: str, anomaly_defaults: dict[str, Any]) -> Rule:
    missing = [key for key in ("name", "condition", "severity", "owner") if key not in raw]
    if missing or ("query" in raw) == ("kpi" in raw):
        raise ConfigError(f"{where}: needs name, condition, severity, owner and exactly one of query / kpi")
    if raw["severity"] not in SEVERITIES:
        raise ConfigError(f"{where}: severity must be one of {', '.join(SEVERITIES)}")
    condition = _condition(raw["condition"], where, anomaly_defaults)
    query = raw["query"] if "query" in raw else kpi_query(raw["kpi"])
    measures = raw.get("measures") or _measured(raw.get("kpi"))
    if measures is not None and not _MEASURES.fullmatch(measures):
        raise ConfigError(f"{where}: measures must name a kpi column as <kpi model>.<column>, not {measures!r}")
    if condition.kind == "anomaly" and (raw.get("kpi") or {}).get("sum_days"):
        condition = replace(condition, window=int(raw["kpi"]["sum_days"]))
    if condition.kind in ("below_trailing_median", "drop_from_previous", "anomaly") and "period" not in query:
        raise ConfigError(f"{where}: {condition.kind} needs a `period` column to order the values")
    return Rule(
        name=raw["name"],
        query=query,
        condition=condition,
        severity=raw["severity"],
        owner=raw["owner"],
        description=raw.get("description", ""),
        tags=tuple(raw.get("tags", ())),
        enabled=bool(raw.get("enabled", True)),
        drilldown=raw.get("drilldown"),
        kpi=raw.get("kpi"),
        measures=measures,
    )


def _file_rules(path: Path, data: dict[str, Any], anomaly_defaults: dict[str, Any]) -> list[tuple[str, Rule]]:
    return [
        (str(path), _rule(raw, f"{path}: rule #{index + 1} ({raw.get('name', 'unnamed')})", anomaly_defaults))
        for index, raw in enumerate(data.get("rules") or [])
    ]


def load_rules(path: Path | str | None = None, manifest_path: Path | None = None) -> list[Rule]:
    """The project's rules: every kpi column's `alert` meta (target_off_track is kpi_targets.on_track's) and
    config/alert_rules.yml. With `path`, that rules file alone (a trial or a test of its own rules)."""
    data = read_yaml(Path(path or RULES_PATH))
    if unknown := set(data.get("anomaly_defaults") or {}) - set(ANOMALY_DEFAULTS):
        raise ConfigError(f"{path or RULES_PATH}: unknown anomaly_defaults key(s) {', '.join(sorted(unknown))}")
    defaults = data.get("anomaly_defaults") or {}
    sourced = _file_rules(Path(path or RULES_PATH), data, defaults)
    if path is None:
        sourced += [
            (kpi.where, _rule(_meta_rule(kpi, alert), f"{kpi.where}: meta.alert #{index + 1}", defaults))
            for kpi in kpi_columns(manifest_path)
            for index, alert in enumerate(kpi.alerts)
        ]
    homes: dict[str, list[str]] = {}
    for home, rule in sourced:
        homes.setdefault(rule.name, []).append(home)
    if duplicated := {name: where for name, where in homes.items() if len(where) > 1}:
        raise ConfigError(
            "duplicate rule name(s): "
            + "; ".join(f"{name} in {', '.join(where)}" for name, where in duplicated.items())
        )
    return [rule for _, rule in sourced]
