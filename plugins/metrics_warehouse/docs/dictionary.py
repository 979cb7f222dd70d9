"""The bilingual KPI dictionary, read from its one source: the kpi models' dbt YAML (descriptions and `config.meta`).

`python -m metrics_warehouse.docs.dictionary` writes docs/kpi_dictionary.md; `--check` fails when the committed file
differs from what the YAML gives now, or when a kpi model or column lacks a field a BI user needs.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import yaml

from metrics_warehouse.alerting.config import CONDITIONS
from metrics_warehouse.dbt.kpi_meta import alert_name
from metrics_warehouse.owners import load_owners
from metrics_warehouse.settings import DBT_PROJECT_DIR, PROJECT_ROOT

KPI_MODELS_DIR = DBT_PROJECT_DIR / "models" / "kpi"
DICTIONARY_PATH = PROJECT_ROOT / "docs" / "kpi_dictionary.md"
OVERVIEW_BLOCK = "__overview__"
UNITS = ("count", "ratio", "money", "score", "number", "days", "minutes", "hours", "date", "text", "flag")
UNIT_LABELS = {
    "count": "count 计数",
    "ratio": "ratio 比率",
    "money": "money 金额",
    "score": "score 分值",
    "number": "number 数值",
    "days": "days 天",
    "minutes": "minutes 分钟",
    "hours": "hours 小时",
    "date": "date 日期",
    "text": "text 文本",
    "flag": "yes/no 是/否",
}


@dataclass(frozen=True)
class Column:
    name: str
    description: str
    label_en: str
    label_zh: str
    unit: str
    formula: str = ""
    null_when: str = ""
    owner: str = ""  # a headline KPI's owner, alert rules and target kind (its meta: metrics_warehouse.dbt.kpi_meta)
    alerts: str = ""
    target: str = ""


@dataclass(frozen=True)
class Table:
    name: str
    description: str
    owner: str
    label_en: str
    label_zh: str
    grain: str
    columns: tuple[Column, ...]

    def column(self, name: str) -> Column:
        return next(column for column in self.columns if column.name == name)


@dataclass(frozen=True)
class Dictionary:
    overview: str
    tables: tuple[Table, ...]

    def table(self, name: str) -> Table:
        return next(table for table in self.tables if table.name == name)


def _text(value: object) -> str:
    return " ".join(str(value or "").split())


def _meta(node: dict) -> dict:
    return (node.get("config") or {}).get("meta") or {}


def _alerts(column: str, meta: dict) -> str:
    """`dau_anomaly (drop, critical)`, `channel_cac_high (above 300, warning)`: each rule the column's meta states,
    with its condition as the rule loader reads it (its one key of CONDITIONS)."""
    alerts = meta.get("alert") or []
    shown = []
    for alert in [alerts] if isinstance(alerts, dict) else alerts:
        kind = next((key for key in CONDITIONS if key in alert), "")
        condition = alert["anomaly"] if kind == "anomaly" else f"{kind} {alert.get(kind, '')}".strip()
        shown.append(f"{alert_name(column, alert)} ({condition}, {alert.get('severity', '')})")
    return "; ".join(shown)


def _column(raw: dict) -> Column:
    meta = _meta(raw)
    return Column(
        name=raw["name"],
        description=_text(raw.get("description")),
        label_en=_text(meta.get("label_en")),
        label_zh=_text(meta.get("label_zh")),
        unit=_text(meta.get("unit")),
        formula=_text(meta.get("formula")),
        null_when=_text(meta.get("null_when")),
        owner=_text(meta.get("owner")),
        alerts=_alerts(raw["name"], meta),
        target=_text((meta.get("target") or {}).get("name"))
        + (" (by channel)" if (meta.get("target") or {}).get("by") else ""),
    )


def _table(raw: dict) -> Table:
    meta = _meta(raw)
    return Table(
        name=raw["name"],
        description=_text(raw.get("description")),
        owner=_text(meta.get("owner")),
        label_en=_text(meta.get("label_en")),
        label_zh=_text(meta.get("label_zh")),
        grain=_text(meta.get("grain")),
        columns=tuple(_column(column) for column in raw.get("columns") or ()),
    )


def _docs_block(name: str, models_dir: Path) -> str:
    pattern = re.compile(r"{%\s*docs\s+" + re.escape(name) + r"\s*%}(.*?){%\s*enddocs\s*%}", re.S)
    for path in sorted(models_dir.glob("*.md")):
        found = pattern.search(path.read_text(encoding="utf-8"))
        if found:
            return found.group(1).strip()
    raise LookupError(f"no docs block {name!r} in {models_dir}")


def load_dictionary(models_dir: Path = KPI_MODELS_DIR) -> Dictionary:
    """Every model of the kpi folder (the `kpi` schema BI tools read), each from the `<model>.yml` beside its SQL."""
    tables = []
    for path in sorted(models_dir.glob("*.yml")):
        for raw in yaml.safe_load(path.read_text(encoding="utf-8")).get("models") or ():
            tables.append(_table(raw))
    return Dictionary(overview=_docs_block(OVERVIEW_BLOCK, models_dir), tables=tuple(tables))


def problems(dictionary: Dictionary, owners: set[str]) -> list[str]:
    """What a BI user would miss: a model without owner, names or grain; a column without description, names or unit."""
    found = []
    for table in dictionary.tables:
        for field in ("label_en", "label_zh", "grain", "description"):
            if not getattr(table, field):
                found.append(f"{table.name}: no {field}")
        if table.owner not in owners:
            found.append(f"{table.name}: owner {table.owner!r} is not a key of config/owners.yml")
        for column in table.columns:
            for field in ("description", "label_en", "label_zh"):
                if not getattr(column, field):
                    found.append(f"{table.name}.{column.name}: no {field}")
            if column.unit not in UNITS:
                found.append(f"{table.name}.{column.name}: unit {column.unit!r} is not one of {', '.join(UNITS)}")
    return found


def _cell(text: str) -> str:
    return text.replace("|", "\\|") if text else "—"


def _table_markdown(table: Table) -> list[str]:
    lines = [
        f'<a id="{table.name}"></a>',
        "",
        f"## `{table.name}` — {table.label_zh} · {table.label_en}",
        "",
        f"- **Grain 粒度:** {table.grain}",
        f"- **Owner 负责人:** `{table.owner}`",
        "",
        table.description,
        "",
        "| column 字段 | 中文名 | English | unit 单位 | meaning 含义 | formula 公式 | NULL when 为空条件 |",
        "|---|---|---|---|---|---|---|",
    ]
    for column in table.columns:
        cells = (
            f"`{column.name}`",
            column.label_zh,
            column.label_en,
            UNIT_LABELS[column.unit],
            column.description,
            f"`{column.formula}`" if column.formula else "",
            column.null_when,
        )
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    watched = [column for column in table.columns if column.owner]
    if watched:
        lines += ["", "Owner, alerts and target kind of its KPIs · 指标负责人、告警与考核目标:", ""]
        lines += [
            f"- `{c.name}`: owner `{c.owner}`; alert {c.alerts or '—'}; target `{c.target}`"
            if c.target
            else f"- `{c.name}`: owner `{c.owner}`; alert {c.alerts or '—'}"
            for c in watched
        ]
    return [*lines, ""]


def render_markdown(dictionary: Dictionary, owner_descriptions: dict[str, str]) -> str:
    lines = [
        "<!-- Generated by `make docs` (python -m metrics_warehouse.docs.dictionary) from dbt_project/models/kpi:",
        "     edit the YAML there, never this file. A test fails when the two differ. -->",
        "",
        "# KPI dictionary · 指标字典",
        "",
        "| table 表 | 中文名 | English | grain 粒度 | owner 负责人 |",
        "|---|---|---|---|---|",
    ]
    for table in dictionary.tables:
        lines.append(
            f"| [`{table.name}`](#{table.name}) | {table.label_zh} | {table.label_en} | {table.grain} | `{table.owner}` |"
        )
    lines += ["", re.sub(r"^(#+) ", r"#\1 ", dictionary.overview, flags=re.M), ""]
    lines += ["## Owners · 负责人", ""]
    for owner in sorted({table.owner for table in dictionary.tables}):
        lines.append(f"- `{owner}`: {owner_descriptions.get(owner, '')}")
    lines.append("")
    for table in dictionary.tables:
        lines += _table_markdown(table)
    return "\n".join(lines).rstrip() + "\n"


def build() -> tuple[str, list[str]]:
    """The dictionary's markdown as the YAML gives it now, and what is missing from the YAML."""
    dictionary = load_dictionary()
    owners = load_owners()
    markdown = render_markdown(dictionary, {name: owner.description for name, owner in owners.items()})
    return markdown, problems(dictionary, set(owners))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m metrics_warehouse.docs.dictionary", description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail when docs/kpi_dictionary.md is not up to date")
    args = parser.parse_args(argv)
    markdown, missing = build()
    if missing:
        print("The kpi YAML lacks what the dictionary needs:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    current = DICTIONARY_PATH.read_text(encoding="utf-8") if DICTIONARY_PATH.exists() else ""
    if args.check:
        if current != markdown:
            print(f"{DICTIONARY_PATH} is out of date: run `make docs`", file=sys.stderr)
            return 1
        return 0
    DICTIONARY_PATH.parent.mkdir(parents=True, exist_ok=True)
    DICTIONARY_PATH.write_text(markdown, encoding="utf-8")
    print(f"wrote {DICTIONARY_PATH.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
