"""The report's areas, the same as the dashboards' (overview, retention, funnel, channels, users, service and
satisfaction, data quality) plus A/B results and open alerts: each reads its frames and returns a page Section."""

from __future__ import annotations

import pandas as pd

from metrics_warehouse.docs.dictionary import Column
from metrics_warehouse.reporting import charts
from metrics_warehouse.reporting.charts import Chart
from metrics_warehouse.reporting.display import chart_value, is_null
from metrics_warehouse.reporting.page import Cell, Section, Vocabulary

Frames = dict[str, pd.DataFrame]
SEGMENT_NAMES = {
    "new": "新用户 new",
    "core": "核心用户 core",
    "active": "活跃用户 active",
    "silent": "沉默用户 silent",
    "churned": "流失用户 churned",
}
ALERT_COLUMNS = {
    name: Column(name, "text", "", en, zh, "text")
    for name, zh, en in (
        ("rule", "规则", "Rule"),
        ("subject", "对象", "Subject"),
        ("severity", "级别", "Severity"),
        ("value", "当前值", "Value"),
        ("threshold", "阈值", "Threshold"),
        ("opened_at", "开始时间", "Opened"),
        ("last_seen_at", "最近发现", "Last seen"),
    )
}
CHURN_REASONS = {"inactive_7d": "7日未活跃 inactive 7 days", "usage_drop": "使用量骤降 usage drop"}


def _dates(values: pd.Series) -> list[str]:
    return [value.isoformat() for value in values]


def _values(vocab: Vocabulary, frame: pd.DataFrame, table: str, column: str) -> list:
    return [chart_value(v, vocab.column(table, column).unit) for v in frame[column]]


def _series(vocab: Vocabulary, frame: pd.DataFrame, table: str, columns: list[str]) -> dict[str, list]:
    return {vocab.name(table, column): _values(vocab, frame, table, column) for column in columns}


def _pivot(frame: pd.DataFrame, index: str, columns: str, values: str) -> pd.DataFrame:
    """One column per `columns` value; (index, columns) is the model's key, so nothing is aggregated and NULL stays."""
    return frame.pivot(index=index, columns=columns, values=values).sort_index()


def overview(frames: Frames, vocab: Vocabulary) -> Section:
    daily = frames["daily"]
    section = Section("overview", "运营总览 · Operations overview")
    if daily.empty:
        section.empty = "无数据 No activity yet."
        return section
    latest = daily.iloc[-1]
    day = latest["date"].isoformat()
    section.intro = f"最新一日 Latest day: {day}. 金额单位 Money in {vocab.currency}."
    section.cards = [
        vocab.card("kpi_daily", column, latest[column], day)
        for column in ("dau", "wau", "mau", "stickiness", "new_users", "orders", "net_revenue", "aov", "paying_rate")
    ]
    months = frames["periodic"].query("period_type == 'month' and complete")
    if not months.empty:
        month = months.iloc[-1]
        label = f"{month['period_start']:%Y-%m} 整月 full month"
        section.cards += [
            vocab.card("kpi_periodic", column, month[column], label)
            for column in ("active_users", "net_revenue", "churn_rate", "repurchase_rate", "cac")
        ]
    x = _dates(daily["date"])
    signups = frames["channel_daily"]
    signups = signups[signups["date"].between(daily["date"].iloc[0], latest["date"])]
    by_channel = _pivot(signups, "date", "channel", "signups").reindex(daily["date"]).fillna(0)
    section.charts = [
        Chart(
            "overview-active",
            "活跃用户 Active users",
            charts.lines(x, _series(vocab, daily, "kpi_daily", ["dau", "wau", "mau"]), "count"),
        ),
        Chart(
            "overview-new-users",
            "新增用户（按渠道）New users by channel",
            charts.lines(
                x, {c: [int(v) for v in by_channel[c]] for c in by_channel.columns}, "count", kind="bar", stack=True
            ),
        ),
        Chart(
            "overview-revenue",
            f"净收入与订单 Net revenue and orders ({vocab.currency})",
            charts.bars_and_line(
                x,
                (
                    vocab.name("kpi_daily", "net_revenue"),
                    _values(vocab, daily, "kpi_daily", "net_revenue"),
                    vocab.currency,
                ),
                (vocab.name("kpi_daily", "orders"), _values(vocab, daily, "kpi_daily", "orders"), "单 orders"),
            ),
        ),
        Chart(
            "overview-value",
            f"客单价、ARPPU 与 ARPU · AOV, ARPPU and ARPU ({vocab.currency})",
            charts.lines(x, _series(vocab, daily, "kpi_daily", ["aov", "arppu", "arpu"]), "money", vocab.currency),
            note="分母为 0 的日期为空 Blank on days whose denominator (orders, buyers, DAU) is 0.",
        ),
        Chart(
            "overview-rates",
            "付费率与粘性 Paying rate and stickiness",
            charts.lines(x, _series(vocab, daily, "kpi_daily", ["paying_rate", "stickiness"]), "ratio"),
        ),
    ]
    periods = frames["periodic"]
    columns = ["period_start", "period_end", "active_users", "new_users", "churn_rate", "orders", "net_revenue"]
    columns += ["arpu", "aov", "repurchase_rate", "cac"]
    for kind, caption in (("month", "月度 Monthly"), ("week", "周度 Weekly")):
        rows = periods[periods["period_type"] == kind].tail(8 if kind == "week" else 12)
        if not rows.empty:
            section.tables.append((caption, vocab.table(rows, "kpi_periodic", columns)))
    return section


def retention(frames: Frames, vocab: Vocabulary) -> Section:
    curve, cohorts = frames["curve"], frames["cohorts"]
    section = Section(
        "retention",
        "留存 · Retention",
        " ".join(
            f"{vocab.name('kpi_retention_cohorts', column)}: {vocab.column('kpi_retention_cohorts', column).description}"
            for column in ("retention_within_7d", "retention_d7")
        ),
    )
    if curve.empty:
        section.empty = "无注册用户 No registered users yet."
        return section
    signup_dates = sorted(curve["signup_date"].unique())
    y = [d.isoformat() for d in signup_dates]
    days = list(range(int(curve["day_number"].max()) + 1))
    index = {d: i for i, d in enumerate(signup_dates)}
    cells = [
        [int(row.day_number), index[row.signup_date], chart_value(row.retention_rate, "ratio")]
        for row in curve.itertuples(index=False)
    ]
    section.charts.append(
        Chart(
            "retention-heatmap",
            "同期群留存热力图 Cohort retention heatmap (%)",
            charts.heatmap([str(d) for d in days], y, cells, vocab.name("kpi_retention_curve", "retention_rate")),
            note="空白格：截止日前尚未到达该日（未成熟）Blank: that day has not been reached by the as-of date.",
            height=max(360, 18 * len(y) + 120),
        )
    )
    columns = ["retention_d1", "retention_within_7d", "retention_d7", "retention_d30"]
    section.charts.append(
        Chart(
            "retention-trend",
            "留存率趋势 Retention by cohort",
            charts.lines(
                _dates(cohorts["signup_date"]), _series(vocab, cohorts, "kpi_retention_cohorts", columns), "ratio"
            ),
            note="曲线在未成熟的同期群处中断 Lines stop where a cohort's window has not elapsed (immature, NULL).",
        )
    )
    return section


def funnel(frames: Frames, vocab: Vocabulary) -> Section:
    """Summed over the cohorts whose 30-day window has elapsed; before any has, the 7-day step over those mature for it."""
    cohorts = frames["funnel"]
    steps = ["signed_up", "activated", "purchased", "repurchased"]
    intro = " → ".join(f"{vocab.name('kpi_funnel', step)}" for step in steps)
    section = Section("funnel", "转化漏斗 · Funnel", f"{intro}. {vocab.dictionary.table('kpi_funnel').description}")
    mature = cohorts.dropna(subset=["purchased"])
    if mature.empty:
        mature = cohorts.dropna(subset=["activated"])
        steps = ["signed_up", "activated"]
    if mature.empty:
        section.empty = "尚无走完 7 日窗口的同期群 No cohort has had 7 days yet (immature)."
        return section
    first, last = mature["signup_date"].min(), mature["signup_date"].max()
    values = [(vocab.name("kpi_funnel", step), int(mature[step].sum())) for step in steps]
    note = f"同期群 Cohorts {first} .. {last}（{len(mature)} 天 days）."
    if len(steps) == 2:
        note += " 首购、复购未成熟：尚无同期群走完 30 日 Purchase steps immature: no cohort has had 30 days yet."
    section.charts.append(Chart("funnel-cohorts", "注册转化漏斗 Signup funnel", charts.funnel(values), note=note))
    return section


def channels(frames: Frames, vocab: Vocabulary) -> Section:
    monthly, daily = frames["channels"], frames["channel_daily"]
    grade = vocab.column("kpi_channel_monthly", "grade")
    section = Section(
        "channels",
        "渠道 · Channels",
        f"{vocab.name('kpi_channel_monthly', 'grade')}: {grade.description} {grade.formula}.",
    )
    if monthly.empty:
        section.empty = "无渠道数据 No channel data."
        return section
    spend = _pivot(monthly, "month_start", "channel", "spend")
    spend = spend.loc[:, (spend.fillna(0) != 0).any()]
    months = [f"{m:%Y-%m}" for m in spend.index]
    section.charts.append(
        Chart(
            "channels-spend",
            f"渠道花费（按月）Spend by channel and month ({vocab.currency})",
            charts.lines(
                months,
                {c: [chart_value(v, "money") for v in spend[c]] for c in spend.columns},
                "money",
                vocab.currency,
                kind="bar",
                stack=True,
            ),
        )
    )
    paid = daily.dropna(subset=["ctr"])
    if not paid.empty:
        ctr = _pivot(paid, "date", "channel", "ctr")
        section.charts.append(
            Chart(
                "channels-ctr",
                vocab.name("kpi_channel_daily", "ctr") + "（按日）by day",
                charts.lines(
                    _dates(ctr.index), {c: [chart_value(v, "ratio") for v in ctr[c]] for c in ctr.columns}, "ratio"
                ),
            )
        )
    columns = ["month_start", "channel", "grade", "spend", "signups", "cac", "retention_d7", "purchase_conversion_30d"]
    columns += ["revenue_30d", "roas_30d"]
    latest = monthly.sort_values(["month_start", "grade_score"], ascending=[False, False], na_position="last")
    section.tables.append(("渠道月报 Channels by month", vocab.table(latest, "kpi_channel_monthly", columns)))
    return section


def users(frames: Frames, vocab: Vocabulary) -> Section:
    segments, risky = frames["segments"], frames["churn_risk"]
    section = Section(
        "users",
        "用户 · Users",
        f"{vocab.name('kpi_user_profile', 'segment')}: {vocab.column('kpi_user_profile', 'segment').description}",
    )
    if segments.empty:
        section.empty = "无用户 No users yet."
        return section
    by_segment = segments.groupby("segment", sort=False)["users"].sum()
    order = [s for s in SEGMENT_NAMES if s in by_segment.index]
    section.charts.append(
        Chart(
            "users-segments",
            vocab.name("kpi_user_profile", "segment"),
            charts.pie([(SEGMENT_NAMES[s], int(by_segment[s])) for s in order], "用户分层 Segments"),
        )
    )
    reasons = segments.dropna(subset=["churn_risk_reason"]).groupby("churn_risk_reason")["users"].sum()
    if not reasons.empty:
        names = [CHURN_REASONS.get(r, r) for r in reasons.index]
        section.charts.append(
            Chart(
                "users-churn-risk",
                vocab.name("kpi_user_profile", "churn_risk_reason"),
                charts.lines(names, {"用户数 Users": [int(v) for v in reasons]}, "count", kind="bar"),
            )
        )
    if not risky.empty:
        risky = risky.assign(
            segment=risky["segment"].map(SEGMENT_NAMES), churn_risk_reason=risky["churn_risk_reason"].map(CHURN_REASONS)
        )
        columns = ["user_id", "channel", "segment", "churn_risk_reason", "days_since_last_active", "active_days_30d"]
        columns += ["orders_365d", "net_revenue_365d"]
        section.tables.append(
            (
                "流失预警用户（按近一年净消费）Churn-risk users, by net revenue",
                vocab.table(risky, "kpi_user_profile", columns),
            )
        )
    return section


def service(frames: Frames, vocab: Vocabulary) -> Section:
    feedback, surveys = frames["feedback"], frames["surveys"]
    section = Section("service", "服务与满意度 · Service and satisfaction")
    if feedback.empty and surveys.empty:
        section.empty = "无反馈与问卷 No feedback or surveys yet."
        return section
    if not feedback.empty:
        counts = _pivot(feedback, "date", "category", "feedback_count").fillna(0)
        x = _dates(counts.index)
        section.charts.append(
            Chart(
                "service-feedback",
                vocab.name("kpi_feedback_daily", "feedback_count") + "（按类别）by category",
                charts.lines(
                    x, {c: [int(v) for v in counts[c]] for c in counts.columns}, "count", kind="bar", stack=True
                ),
            )
        )
        response = _pivot(feedback, "date", "category", "median_first_response_minutes").reindex(counts.index)
        section.charts.append(
            Chart(
                "service-response",
                vocab.name("kpi_feedback_daily", "median_first_response_minutes"),
                charts.lines(
                    x,
                    {c: [chart_value(v, "minutes") for v in response[c]] for c in response.columns},
                    "minutes",
                    "分钟 min",
                ),
                note="当日该类别无已响应反馈时为空 Blank when no item of that day and category was answered.",
            )
        )
    if not surveys.empty:
        names = [f"{row.month_start:%Y-%m} · {row.survey_id}" for row in surveys.itertuples(index=False)]
        series = _series(vocab, surveys, "kpi_survey_monthly", ["nps", "csat"])
        section.charts.append(
            Chart(
                "service-nps-csat",
                "净推荐值与满意度（按月、问卷）NPS and CSAT by month and survey",
                charts.lines(names, series, "score", "分 points", kind="bar"),
            )
        )
        columns = [
            "month_start",
            "survey_id",
            "responses",
            "nps_responses",
            "promoters",
            "passives",
            "detractors",
            "nps",
        ]
        columns += ["csat_responses", "csat", "avg_csat"]
        section.tables.append(("问卷月报 Surveys by month", vocab.table(surveys, "kpi_survey_monthly", columns)))
    return section


def data_quality(frames: Frames, vocab: Vocabulary) -> Section:
    totals, daily = frames["quality"], frames["quality_daily"]
    accuracy = vocab.column("kpi_data_quality", "accuracy_rate")
    section = Section(
        "data-quality",
        "数据质量 · Data quality",
        f"全部交付批次 All deliveries. {vocab.name('kpi_data_quality', 'accuracy_rate')} = {accuracy.formula}.",
    )
    if totals.empty:
        section.empty = "尚无交付 No deliveries yet."
        return section
    if not daily.empty:
        accuracy = _pivot(daily, "delivery_date", "source", "accuracy_rate")
        section.charts.append(
            Chart(
                "quality-accuracy",
                vocab.name("kpi_data_quality", "accuracy_rate") + "（按交付日）by delivery date",
                charts.lines(
                    _dates(accuracy.index),
                    {c: [chart_value(v, "ratio") for v in accuracy[c]] for c in accuracy.columns},
                    "ratio",
                ),
            )
        )
    columns = ["source", "files", "files_rejected", "records_read", "records_loaded", "records_quarantined"]
    columns += ["records_skipped", "duplicates_removed", "reconciled", "checks_run", "checks_failed"]
    section.tables.append(("按数据源 By source", vocab.table(totals, "kpi_data_quality", columns)))
    return section


def ab_tests(frames: Frames, vocab: Vocabulary) -> Section:
    tests = frames["ab_tests"]
    conversion = vocab.column("kpi_ab_tests", "conversion_rate")
    section = Section(
        "ab-tests",
        "A/B 实验 · A/B tests",
        f"{vocab.name('kpi_ab_tests', 'conversion_rate')}: {conversion.description} ✓ p < 0.05 显著 significant at 5 %.",
    )
    if tests.empty:
        section.empty = "无实验 No experiments."
        return section
    names = [f"{row.experiment_id} · {row.variant}" for row in tests.itertuples(index=False)]
    section.charts.append(
        Chart(
            "ab-conversion",
            vocab.name("kpi_ab_tests", "conversion_rate"),
            charts.lines(names, _series(vocab, tests, "kpi_ab_tests", ["conversion_rate"]), "ratio", kind="bar"),
        )
    )
    columns = ["experiment_id", "variant", "exposed_users", "converted_users", "conversion_rate", "lift", "z_score"]
    columns += ["p_value"]
    table = vocab.table(tests, "kpi_ab_tests", columns)
    significant = [not is_null(p) and float(p) < 0.05 for p in tests["p_value"]]
    for row, flag in zip(table.rows, significant, strict=True):
        if flag:
            row[-1] = Cell(row[-1].text + " ✓", "显著 significant (p < 0.05)", numeric=True)
    section.tables.append(("实验结果 Results", table))
    return section


def alerts(frames: Frames, vocab: Vocabulary) -> Section:
    open_alerts = frames["alerts"]
    section = Section(
        "alerts", "未关闭告警 · Open alerts", "告警规则见 config/alert_rules.yml；已通知负责人 owners were notified."
    )
    if open_alerts.empty:
        section.empty = "无未关闭告警 No open alerts."
        return section
    frame = open_alerts.assign(
        opened_at=open_alerts["opened_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M %Z}"),
        last_seen_at=open_alerts["last_seen_at"].map(lambda t: f"{t:%Y-%m-%d %H:%M %Z}"),
    )
    table = vocab.table(frame, "alerts", list(ALERT_COLUMNS), ALERT_COLUMNS)
    section.tables.append((f"{len(frame)} 条 open", table))
    return section


SECTIONS = (overview, retention, funnel, channels, users, service, data_quality, ab_tests, alerts)
