"""The owner registry (config/owners.yml): every team a model, a DAG task, an alert rule or a KPI target names as its
owner, and where each is reached. Addresses and secrets are `${VARIABLE}`s, read from the environment when loaded."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metrics_warehouse.config_files import ConfigError, read_yaml
from metrics_warehouse.settings import CONFIG_DIR

OWNERS_PATH = CONFIG_DIR / "owners.yml"
CHANNEL_TYPES = ("dingtalk", "wecom", "feishu", "slack", "webhook", "email")
_ENV = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class ChannelConfig:
    """Where an owner is reached. An Airflow connection `conn_id` wins over the addresses given here."""

    name: str
    type: str
    conn_id: str | None = None
    url: str | None = None
    to: tuple[str, ...] = ()
    host: str | None = None
    port: int | None = None
    sender: str | None = None
    secret: str | None = None  # signing secret of a DingTalk / Feishu robot (the connection's password wins)


@dataclass(frozen=True)
class Owner:
    name: str
    channels: tuple[ChannelConfig, ...]
    description: str = ""
    escalation: str | None = None  # the owner a recurring alert is escalated to


def _expand(value: Any) -> Any:
    """`${VAR}` in a string is replaced by the environment variable (empty when unset)."""
    return _ENV.sub(lambda m: os.environ.get(m.group(1), ""), value) if isinstance(value, str) else value


def load_owners(path: Path | None = None) -> dict[str, Owner]:
    path = Path(path or OWNERS_PATH)
    owners = {}
    for name, raw in (read_yaml(path).get("owners") or {}).items():
        channels = []
        for index, channel in enumerate((raw or {}).get("channels") or []):
            channel = {key: _expand(value) for key, value in channel.items()}
            if channel.get("type") not in CHANNEL_TYPES:
                raise ConfigError(f"{path}: owner {name} channel #{index + 1}: type must be one of {CHANNEL_TYPES}")
            to = channel.get("to") or ()
            channels.append(
                ChannelConfig(
                    name=channel.get("name") or channel["type"],
                    type=channel["type"],
                    conn_id=channel.get("conn_id") or None,
                    url=channel.get("url") or None,
                    to=tuple(a for a in ([to] if isinstance(to, str) else to) if a),
                    host=channel.get("host") or None,
                    port=int(channel["port"]) if channel.get("port") else None,
                    sender=channel.get("from") or None,
                    secret=channel.get("secret") or None,
                )
            )
        names = [c.name for c in channels]
        if duplicated := sorted({n for n in names if names.count(n) > 1}):
            raise ConfigError(f"{path}: owner {name} has several channels named {', '.join(duplicated)} (set `name`)")
        owners[name] = Owner(name, tuple(channels), (raw or {}).get("description", ""), (raw or {}).get("escalation"))
    if unknown := sorted(f"{o.name} -> {o.escalation}" for o in owners.values() if o.escalation not in (None, *owners)):
        raise ConfigError(f"{path}: escalation to an owner not in the file: {', '.join(unknown)}")
    return owners
