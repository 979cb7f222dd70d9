"""KPI targets (config/targets.yml): the shipped file loads against the target kinds of the kpi columns' meta (a
target's owner is its KPI column's), and a bad target is refused with the file, the target and the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from metrics_warehouse.config_files import ConfigError
from metrics_warehouse.owners import load_owners
from metrics_warehouse.targets import load_targets, per_channel, target_kinds

GOOD = {"name": "t1", "kpi": "cac", "channel": "douyin", "period": "month", "target": 150, "direction": "at_most"}


def test_the_shipped_targets_load_and_name_known_kpis() -> None:
    targets, kinds = load_targets(), target_kinds()
    assert targets and {t.kpi for t in targets} <= set(kinds)
    assert all(t.kpi in per_channel() for t in targets if t.channel)
    assert {t.name: t.owner for t in targets if t.owner != kinds[t.kpi].owner} == {}
    assert {t.owner for t in targets} <= set(load_owners())
    assert {"monthly_avg_dau": "product_analytics", "monthly_nps": "customer_experience"}.items() <= {
        t.name: t.owner for t in targets
    }.items()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kpi": "happiness"}, "kpi must be one of dau, new_users, orders"),
        ({"kpi": "orders"}, "only cac, marketing_spend targets take a channel"),
        ({"owner": "finance"}, "no owner here: a target's owner is its KPI column's"),
        ({"period": "year"}, "period must be one of month, week"),
        ({"direction": None}, "missing direction"),
    ],
)
def test_a_bad_target_is_refused_naming_file_target_and_reason(tmp_path: Path, change: dict, message: str) -> None:
    target = {key: value for key, value in (GOOD | change).items() if value is not None}
    path = tmp_path / "targets.yml"
    path.write_text(yaml.safe_dump({"targets": [GOOD | {"name": "t0"}, target]}))
    with pytest.raises(ConfigError, match=message) as error:
        load_targets(path)
    assert str(error.value).startswith(f"{path}: target #2 (t1)")


def test_two_targets_of_one_name_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "targets.yml"
    path.write_text(yaml.safe_dump({"targets": [GOOD, GOOD]}))
    with pytest.raises(ConfigError, match=f"{path}: duplicate target name"):
        load_targets(path)
