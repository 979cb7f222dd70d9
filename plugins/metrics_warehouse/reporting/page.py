"""The parts of the report page (cards, tables, sections) and its rendering to one self-contained HTML file.

Names and units come from the KPI dictionary (dbt YAML), so a column reads the same here as in docs/kpi_dictionary.md;
ECharts is inlined from assets/ (Apache ECharts, npm package `echarts`), so the page needs no network."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import pandas as pd
from markupsafe import Markup

from metrics_warehouse.docs.dictionary import Column
from metrics_warehouse.reporting import display
from metrics_warehouse.reporting.charts import FONT_STACK, Chart
from metrics_warehouse.reporting.display import NULL_TEXT, is_null, show

ASSETS = Path(__file__).with_name("assets")
ECHARTS_JS = ASSETS / "echarts.min.js"  # echarts 6.1.0 from the npm registry (assets/README.md)
TEMPLATE = Path(__file__).with_name("report.html.j2")
LONG_TEXT = 40  # characters; a longer cell wraps instead of widening its table


@dataclass(frozen=True)
class Card:
    """A headline figure; `kpi` (`<model>.<column>`) names it for readers of the HTML (and the browser test)."""

    kpi: str
    label_zh: str
    label_en: str
    text: str
    note: str = ""


@dataclass(frozen=True)
class Cell:
    text: str
    title: str = ""
    numeric: bool = False
    css: str = ""


@dataclass
class Table:
    headers: list[tuple[str, str]]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)


@dataclass
class Section:
    anchor: str
    title: str
    intro: str = ""
    cards: list[Card] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[tuple[str, Table]] = field(default_factory=list)
    empty: str = ""


@dataclass(frozen=True)
class Vocabulary(display.Vocabulary):
    """The shared names and units (display.Vocabulary), and the page's cards and tables made with them."""

    def card(self, table: str, column: str, value: object, note: str = "") -> Card:
        found = self.column(table, column)
        return Card(f"{table}.{column}", found.label_zh, found.label_en, self.show(table, column, value), note)

    def table(
        self, frame: pd.DataFrame, table: str, columns: list[str], extra: dict[str, Column] | None = None
    ) -> Table:
        """Rows of `frame` under the dictionary's names for `table`; `extra` describes columns that are not a kpi
        model's (the open alerts). A NULL shows as "—" with its rule on hover and in a note below."""
        extra = extra or {}
        described = [extra.get(name) or self.column(table, name) for name in columns]
        rows = []
        for record in frame[columns].itertuples(index=False):
            row = []
            for column, value in zip(described, record, strict=True):
                text = show(value, column.unit, self.currency)
                title = f"为空 NULL when: {column.null_when}" if is_null(value) and column.null_when else ""
                css = f"grade grade-{value}" if column.name == "grade" and not is_null(value) else ""
                css = "wrap" if len(text) > LONG_TEXT else css
                row.append(Cell(text, title, column.unit not in ("text", "date", "flag"), css))
            rows.append(row)
        notes = [
            f"{NULL_TEXT} {column.label_zh} {column.label_en}: {column.null_when}"
            for column in described
            if column.null_when and frame[column.name].map(is_null).any()
        ]
        return Table([(column.label_zh, column.label_en) for column in described], rows, notes)


def _script_json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, default=str).replace("</", "<\\/")


def render(title: str, subtitle: str, sections: list[Section]) -> str:
    environment = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    environment.filters["script_json"] = _script_json
    charts = {chart.chart_id: chart.option for section in sections for chart in section.charts}
    return environment.from_string(TEMPLATE.read_text(encoding="utf-8")).render(
        title=title,
        subtitle=subtitle,
        sections=sections,
        charts=charts,
        font_stack=Markup(FONT_STACK),
        echarts_js=Markup(ECHARTS_JS.read_text(encoding="utf-8")),
    )
