"""Rule conditions and config loading, without a database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from metrics_warehouse.alerting import config, engine
from metrics_warehouse.alerting.config import Condition, Rule, load_rules
from metrics_warehouse.alerting.rules import violations
from metrics_warehouse.config_files import ConfigError
from metrics_warehouse.owners import load_owners


def rule(condition: Condition) -> Rule:
    return Rule("r", "select 1", condition, "warning", "team")


def series(*values, subject="dau"):
    return [{"subject": subject, "period": date(2026, 11, day + 1), "value": v} for day, v in enumerate(values)]


def test_above_and_below_judge_the_latest_value_per_subject_with_overrides():
    rows = series(500, 90, subject="douyin") + series(90, 200, subject="weibo") + series(250, subject="fx_rates")
    found = violations(rule(Condition("above", 150, per_subject={"fx_rates": 300})), rows)
    assert [(v.subject, v.value, v.threshold) for v in found] == [("weibo", "200 on 2026-11-02", "> 150")]
    assert [v.subject for v in violations(rule(Condition("below", 100)), rows)] == ["douyin"]


def test_below_trailing_median_needs_a_full_window_and_uses_the_median():
    window = [100, 110, 90, 300, 100, 105, 95]  # median 100, the outlier does not move it
    assert [v.threshold for v in violations(rule(Condition("below_trailing_median", 0.7)), series(*window, 69))] == [
        "< 70 (0.7 x median 100 of the 7 before)"
    ]
    assert violations(rule(Condition("below_trailing_median", 0.7)), series(*window, 71)) == []
    assert violations(rule(Condition("below_trailing_median", 0.7)), series(*window[1:], 10)) == []  # only 6 before


def test_drop_from_previous_compares_the_latest_period_with_the_one_before():
    rows = series(40, 35, 5, subject="NPS")
    assert [v.threshold for v in violations(rule(Condition("drop_from_previous", 25)), rows)] == ["drop > 25 from 35"]
    assert violations(rule(Condition("drop_from_previous", 25)), series(40, 5, 35, subject="NPS")) == []
    assert violations(rule(Condition("drop_from_previous", 25)), series(5, subject="NPS")) == []


def test_rows_condition_makes_every_row_a_violation_and_null_values_never_violate():
    assert [v.subject for v in violations(rule(Condition("rows")), [{"subject": "a"}, {"subject": "b"}])] == ["a", "b"]
    assert violations(rule(Condition("above", 1)), series(5, None)) == []


def test_shipped_rules_load_and_every_owner_exists():
    rules, owners = load_rules(), load_owners()
    assert {r.owner for r in rules} <= owners.keys()
    assert {"source_stale", "volume_anomaly", "critical_check_failed", "dau_anomaly", "nps_anomaly"} <= {
        r.name for r in rules
    }
    assert all(owner.channels for owner in owners.values())


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rules:\n  - {name: a, query: x, severity: warning, owner: o}\n", "needs name, condition"),
        ("rules:\n  - {name: a, query: x, condition: {above: 1}, severity: loud, owner: o}\n", "severity must be"),
        ("rules:\n  - {name: a, query: x, condition: {above: 1, below: 2}, severity: info, owner: o}\n", "exactly one"),
        ("rules:\n  - {name: a, query: x, condition: {drop_from_previous: 1}, severity: info, owner: o}\n", "period"),
        ("rules: [{name: a, query: x, condition: {rows: any}, severity: info, owner: o},"
         " {name: a, query: y, condition: {rows: any}, severity: info, owner: o}]\n", "duplicate rule"),
        ("rules: [unclosed\n", "not valid YAML"),
        ("rules:\n  - {name: a, query: period, condition: {anomaly: sideways}, severity: info, owner: o}\n",
         "direction must be"),
        ("rules:\n  - {name: a, query: period, condition: {anomaly: drop, seasonality: monthly}, severity: info,"
         " owner: o}\n", "seasonality must be"),
        ("rules:\n  - {name: a, query: period, condition: {anomaly: drop, days: 3}, severity: info, owner: o}\n",
         "unknown condition key"),
        ("rules:\n  - {name: a, query: period, condition: {anomaly: drop, training: 2, min_history: 3},"
         " severity: info, owner: o}\n", "min_history"),
        ("rules:\n  - {name: a, query: x, condition: {anomaly: drop}, severity: info, owner: o}\n", "period"),
    ],
)  # fmt: skip
def test_bad_rules_file_is_named_in_the_error(tmp_path, text, message):
    path = tmp_path / "alert_rules.yml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=message) as error:
        load_rules(path)
    assert str(path) in str(error.value)


def test_kpi_shorthand_builds_a_series_query(tmp_path):
    path = tmp_path / "alert_rules.yml"
    path.write_text(
        "rules:\n  - name: nps\n    kpi: {table: kpi.kpi_survey_monthly, column: nps, date_column: month_start,"
        " by: survey_id, where: nps_responses >= 30}\n    condition: {drop_from_previous: 20}\n"
        "    severity: warning\n    owner: cx\n"
    )
    [loaded] = load_rules(path)
    assert loaded.query == (
        "select survey_id::text as subject, month_start as period, nps as value "
        "from kpi.kpi_survey_monthly where nps_responses >= 30"
    )


def test_owner_addresses_expand_environment_variables(tmp_path, monkeypatch):
    monkeypatch.setenv("TEAM_HOOK", "http://hooks.example/abc")
    path = tmp_path / "owners.yml"
    path.write_text("owners:\n  team:\n    channels:\n      - {type: slack, url: '${TEAM_HOOK}'}\n"
                    "      - {type: email, name: oncall, to: a@example.com, host: smtp.example, port: 2525}\n")  # fmt: skip
    slack, mail = load_owners(path)["team"].channels
    assert (slack.name, slack.url) == ("slack", "http://hooks.example/abc")
    assert (mail.name, mail.to, mail.host, mail.port) == ("oncall", ("a@example.com",), "smtp.example", 2525)


def test_message_is_rebuilt_from_the_alert_row():
    row = {
        "rule": "dau_drop", "kind": "alert", "severity": "critical", "subject": "dau", "value": "25 on 2026-11-19",
        "threshold": "< 77", "owner": "product_analytics", "raised_at": datetime(2026, 11, 20, 8, tzinfo=UTC),
    }  # fmt: skip
    message = engine.compose(row, "DAU fell.")
    assert message.subject == "[metrics] [CRITICAL] dau_drop: dau"
    assert message.text.splitlines()[:3] == [
        "[CRITICAL] dau_drop: dau",
        "DAU fell.",
        "value 25 on 2026-11-19, threshold < 77",
    ]
    assert message.payload["raised_at"] == "2026-11-20T08:00:00+00:00" and message.payload["text"] == message.text
    recovery = engine.compose({**row, "kind": "recovery"})
    assert recovery.text.startswith("[RECOVERED] dau_drop: dau\nback within its threshold")


def test_anomaly_settings_come_from_the_defaults_the_file_and_the_rule(tmp_path):
    path = tmp_path / "alert_rules.yml"
    path.write_text(
        "anomaly_defaults: {training: 6, sensitivity: 2}\n"
        "rules:\n  - name: spend\n    kpi: {table: kpi.kpi_channel_daily, column: spend, by: channel, sum_days: 7}\n"
        "    condition: {anomaly: rise, min_change: 2}\n    severity: warning\n    owner: growth\n"
    )
    [loaded] = load_rules(path)
    condition = loaded.condition
    assert (condition.direction, condition.training, condition.sensitivity, condition.min_change) == ("rise", 6, 2, 2)
    assert (condition.min_history, condition.seasonality, condition.window) == (3, "weekly", 7)
    assert loaded.query == (
        "select channel::text as subject, date as period, sum(spend) over (partition by channel::text order by date "
        "range between interval '6 days' preceding and current row) as value from kpi.kpi_channel_daily"
    )


def test_the_project_rules_come_from_kpi_meta_the_rules_file_and_the_targets_file():
    homes = {r.name: r for r in load_rules()}
    assert homes["dau_anomaly"].kpi == {"table": "kpi.kpi_daily", "column": "dau"}
    assert (homes["channel_cac_high"].measures, homes["channel_cac_high"].condition.threshold) == (
        "kpi_channel_daily.cac",
        300,
    )
    assert "target_off_track" in homes and "source_stale" in homes


def test_a_rule_name_is_unique_across_the_rules_file_and_the_kpi_meta(tmp_path, monkeypatch):
    path = tmp_path / "alert_rules.yml"
    path.write_text("rules:\n  - {name: dau_anomaly, query: x, condition: {rows: any}, severity: info, owner: o}\n")
    monkeypatch.setattr(config, "RULES_PATH", path)
    with pytest.raises(
        ConfigError, match=rf"duplicate rule name\(s\): dau_anomaly in {path}, .*kpi_daily\.yml: column dau"
    ):
        load_rules()
