"""Delivery channels: Slack-compatible webhook, generic JSON webhook and e-mail over SMTP.

Addresses and secrets come from an Airflow connection when the channel names one (`conn_id`, resolved with
`airflow.sdk.BaseHook.get_connection`, so AIRFLOW_CONN_* variables and secrets backends work), else from owners.yml.
"""

from __future__ import annotations

import json
import logging
import smtplib
import urllib.request
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any, Protocol

from metrics_warehouse.alerting.config import ChannelConfig

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5


class NotConfigured(RuntimeError):
    """The channel has no address: neither its Airflow connection nor owners.yml gives one."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    payload: dict[str, Any]


class Channel(Protocol):
    def send(self, message: Message) -> None: ...


@dataclass(frozen=True)
class SlackWebhook:
    url: str

    def send(self, message: Message) -> None:
        _post_json(self.url, {"text": message.text})


@dataclass(frozen=True)
class Webhook:
    url: str

    def send(self, message: Message) -> None:
        _post_json(self.url, message.payload)


@dataclass(frozen=True)
class Email:
    host: str
    port: int
    sender: str
    to: tuple[str, ...]
    login: str | None = None
    password: str | None = None
    starttls: bool = False

    def send(self, message: Message) -> None:
        email = EmailMessage()
        email["Subject"] = message.subject
        email["From"] = self.sender
        email["To"] = ", ".join(self.to)
        email.set_content(message.text)
        with smtplib.SMTP(self.host, self.port, timeout=TIMEOUT_SECONDS) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.login:
                smtp.login(self.login, self.password or "")
            smtp.send_message(email)


def _post_json(url: str, body: dict[str, Any]) -> None:
    request = urllib.request.Request(
        url, data=json.dumps(body, ensure_ascii=False).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - configured URL
        if response.status >= 300:
            raise RuntimeError(f"HTTP {response.status} from {url}")


def _connection(conn_id: str | None):
    if not conn_id:
        return None
    try:
        from airflow.sdk import BaseHook

        return BaseHook.get_connection(conn_id)
    except Exception as error:  # noqa: BLE001 - undefined connection or no Airflow: owners.yml decides
        log.debug("connection %s not available: %s", conn_id, error)
        return None


def _connection_url(conn) -> str | None:
    extra = conn.extra_dejson or {}
    if extra.get("url"):
        return extra["url"]
    host = conn.host or ""
    if host.startswith(("http://", "https://")):
        return host + (conn.password or "")
    if not host:
        return None
    scheme = "https" if conn.conn_type == "https" else "http"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}/{(conn.schema or '').lstrip('/')}{extra.get('endpoint', '')}"


def build(config: ChannelConfig) -> Channel:
    conn = _connection(config.conn_id)
    if config.type in ("slack", "webhook"):
        url = (_connection_url(conn) if conn else None) or config.url
        if not url:
            raise NotConfigured(f"{config.name}: no URL (Airflow connection {config.conn_id!r} or `url` in owners.yml)")
        return SlackWebhook(url) if config.type == "slack" else Webhook(url)
    extra = (conn.extra_dejson or {}) if conn else {}
    to = tuple(extra["to"].split(",")) if isinstance(extra.get("to"), str) else tuple(extra.get("to") or config.to)
    host = (conn.host if conn else None) or config.host
    if not host or not to:
        raise NotConfigured(f"{config.name}: no SMTP host or recipient (connection {config.conn_id!r} or owners.yml)")
    return Email(
        host=host,
        port=(conn.port if conn else None) or config.port or 25,
        sender=extra.get("from") or config.sender or "metrics-warehouse@localhost",
        to=to,
        login=conn.login if conn else None,
        password=conn.password if conn else None,
        starttls=bool(extra.get("starttls", False)),
    )
