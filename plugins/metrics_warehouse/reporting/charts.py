"""ECharts options (https://echarts.apache.org/en/option.html) for the report's charts, as plain dicts.

Values arrive already converted by display.chart_value: ratios in percent points, money to the cent, NULL as None
(a gap in a line, an empty cell in a heatmap)."""

from __future__ import annotations

from dataclasses import dataclass

FONT_STACK = (
    '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", '
    '"WenQuanYi Micro Hei", "Helvetica Neue", Arial, sans-serif'
)
AXIS_SUFFIX = {"ratio": "{value}%"}
FEW_CATEGORIES = 12


@dataclass
class Chart:
    """One chart of the page: its element id, a bilingual title, the ECharts option and a note under it."""

    chart_id: str
    title: str
    option: dict
    note: str = ""
    height: int = 320


def _base(legend: bool = True) -> dict:
    option: dict = {
        "textStyle": {"fontFamily": FONT_STACK},
        "tooltip": {"trigger": "axis", "confine": True},
        "grid": {"left": 16, "right": 24, "top": 84, "bottom": 28, "containLabel": True},
        "toolbox": {"right": 8, "feature": {"saveAsImage": {"title": "保存图片 Save"}}},
    }
    if legend:
        option["legend"] = {"top": 4, "left": 8, "right": 40}  # wraps onto a second line
    return option


def _value_axis(unit: str, name: str = "") -> dict:
    axis: dict = {"type": "value", "name": name, "nameTextStyle": {"align": "left"}}
    if unit in AXIS_SUFFIX:
        axis["axisLabel"] = {"formatter": AXIS_SUFFIX[unit]}
    return axis


def lines(
    x: list[str],
    series: dict[str, list],
    unit: str,
    axis_name: str = "",
    *,
    kind: str = "line",
    stack: bool = False,
) -> dict:
    """One value axis; a series per entry of `series` (line or bar, optionally stacked)."""
    option = _base()
    option["xAxis"] = {"type": "category", "data": x, "boundaryGap": kind == "bar"}
    if kind == "bar" and len(x) <= FEW_CATEGORIES:
        option["xAxis"]["axisLabel"] = {"interval": 0, "width": 140, "overflow": "break"}  # every name shown
    option["yAxis"] = _value_axis(unit, axis_name)
    option["series"] = [
        {
            "name": name,
            "type": kind,
            "data": values,
            "showSymbol": False,
            "connectNulls": False,
            **({"stack": "total"} if stack else {}),
        }
        for name, values in series.items()
    ]
    return option


def bars_and_line(x: list[str], bars: tuple[str, list, str], line: tuple[str, list, str]) -> dict:
    """Bars on the left axis and a line on the right one, each (name, values, axis name)."""
    option = _base()
    option["xAxis"] = {"type": "category", "data": x}
    option["yAxis"] = [
        {"type": "value", "name": bars[2], "nameTextStyle": {"align": "left"}},
        {"type": "value", "name": line[2], "nameTextStyle": {"align": "right"}, "splitLine": {"show": False}},
    ]
    option["series"] = [
        {"name": bars[0], "type": "bar", "data": bars[1]},
        {"name": line[0], "type": "line", "yAxisIndex": 1, "data": line[1], "showSymbol": False},
    ]
    return option


def heatmap(x: list[str], y: list[str], cells: list[list], value_name: str) -> dict:
    """cells: [x index, y index, value in percent points]; a missing cell stays blank."""
    option = _base(legend=False)
    option["tooltip"] = {"position": "top", "confine": True}
    option["grid"] = {"left": 16, "right": 24, "top": 40, "bottom": 84, "containLabel": True}
    option["xAxis"] = {
        "type": "category",
        "data": x,
        "name": "注册后第N日 day number",
        "nameLocation": "middle",
        "nameGap": 24,
        "splitArea": {"show": True},
    }
    option["yAxis"] = {"type": "category", "data": y, "inverse": True, "splitArea": {"show": True}}
    option["visualMap"] = {
        "min": 0,
        "max": 100,
        "calculable": True,
        "orient": "horizontal",
        "left": "center",
        "bottom": 0,
        "text": ["100%", "0%"],
        "inRange": {"color": ["#f7fbff", "#6baed6", "#08306b"]},
    }
    option["series"] = [
        {"name": value_name, "type": "heatmap", "data": cells, "label": {"show": len(y) <= 20, "fontSize": 9}}
    ]
    return option


def funnel(steps: list[tuple[str, int]]) -> dict:
    option = _base()
    option["tooltip"] = {"trigger": "item", "formatter": "{b}: {c}"}
    option["series"] = [
        {
            "name": "漏斗 Funnel",
            "type": "funnel",
            "sort": "none",
            "top": 48,
            "bottom": 8,
            "left": "10%",
            "width": "80%",
            "label": {"show": True, "position": "inside", "formatter": "{b}\n{c}"},
            "data": [{"name": name, "value": value} for name, value in steps],
        }
    ]
    return option


def pie(items: list[tuple[str, int]], name: str) -> dict:
    option = _base()
    option["tooltip"] = {"trigger": "item", "formatter": "{b}: {c} ({d}%)"}
    option["series"] = [
        {
            "name": name,
            "type": "pie",
            "radius": ["35%", "65%"],
            "top": 24,
            "data": [{"name": label, "value": value} for label, value in items],
            "label": {"formatter": "{b}\n{c} ({d}%)"},
        }
    ]
    return option
