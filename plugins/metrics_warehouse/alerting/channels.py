"""Delivery channels through apprise: DingTalk, WeCom and Feishu/Lark group robots, Slack, a generic JSON webhook, e-mail.

A robot is configured the way its admin page hands it out: the webhook URL (and, for DingTalk and Feishu, the signing
secret). They come from an Airflow connection when the channel names one (`conn_id`, resolved with
`airflow.sdk.BaseHook.get_connection`, so AIRFLOW_CONN_* variables and secrets backends work: host or extra.url = the
webhook URL, password = the signing secret), else from owners.yml. The webhook URL's own host is used, so a proxy, a
private deployment or Lark's international host work as well as the official hosts.

apprise signs DingTalk requests (timestamp + HMAC-SHA256 `sign` query parameters) but URL-encodes the sign twice, which
DingTalk refuses (310000 sign not match): SignedDingTalk leaves the encoding to requests. Its Feishu plugin has no
signing: SignedFeishu adds Feishu's `timestamp` + `sign` body fields.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import time
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import apprise
import requests
from apprise.plugins.dingtalk import NotifyDingTalk
from apprise.plugins.feishu import NotifyFeishu

from metrics_warehouse.owners import ChannelConfig

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 5
ROBOTS = ("dingtalk", "wecom", "feishu", "slack", "webhook")


class NotConfigured(RuntimeError):
    """The channel has no address: neither its Airflow connection nor owners.yml gives one."""


class DeliveryFailed(RuntimeError):
    """The service refused the message or could not be reached (apprise's log says why)."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str
    payload: dict[str, Any]


class Channel(Protocol):
    def send(self, message: Message) -> None: ...


class SignedDingTalk(NotifyDingTalk):
    """DingTalk robot with 加签: the sign goes into the query once URL-encoded (requests does it), as DingTalk checks."""

    def get_signature(self) -> tuple[str, str]:
        timestamp, signature = super().get_signature()
        return timestamp, unquote(signature)


class SignedFeishu(NotifyFeishu):
    """Feishu/Lark custom bot with 签名校验: `timestamp` and `sign` = base64(HMAC-SHA256(key="timestamp\\nsecret", ""))
    in the body, as https://open.feishu.cn/document/client-docs/bot-v3/add-custom-bot describes."""

    def __init__(self, token: str, secret: str | None = None, **kwargs: Any):
        super().__init__(token=token, **kwargs)
        self.secret = secret

    def send(self, body: str, title: str = "", **kwargs: Any) -> bool:
        payload: dict[str, Any] = {"msg_type": "text", "content": {"text": f"{title}\r\n{body}" if title else body}}
        if self.secret:
            timestamp = str(int(time.time()))
            digest = hmac.new(f"{timestamp}\n{self.secret}".encode(), b"", hashlib.sha256).digest()
            payload |= {"timestamp": timestamp, "sign": base64.b64encode(digest).decode()}
        self.throttle()
        try:
            response = requests.post(
                self.notify_url.format(token=self.token),
                data=json.dumps(payload, ensure_ascii=False).encode(),
                headers={"User-Agent": self.app_id, "Content-Type": "application/json"},
                verify=self.verify_certificate,
                timeout=self.request_timeout,
            )
        except requests.RequestException as error:
            self.logger.warning(f"Feishu notification failed: {error}")
            return False
        code = _json(response.content).get("code") if response.ok else None
        if not response.ok or code:
            self.logger.warning(f"Feishu refused the notification: HTTP {response.status_code}, code {code}")
            return False
        return True


@dataclass(frozen=True)
class Robot:
    """A chat robot or webhook, sent through an apprise plugin pointed at the configured webhook URL."""

    kind: str  # one of ROBOTS
    url: str
    secret: str | None = None

    def send(self, message: Message) -> None:
        plugin = self.plugin()
        if self.kind == "webhook":
            plugin.payload_extras["alert"] = message.payload  # the alert as data beside apprise's title / message
        _notify(plugin, message)

    def plugin(self) -> apprise.plugins.NotifyBase:
        parts = urlsplit(self.url)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        base = f"{parts.scheme}://{parts.netloc}{parts.path}"
        if self.kind == "dingtalk":
            plugin = SignedDingTalk(token=query.get("access_token", ""), secret=self.secret)
            plugin.notify_url = base + "?access_token={token}"
        elif self.kind == "wecom":
            plugin = _instantiate(f"wecombot://{query.get('key', '')}")
            plugin.api_url = self.url
        elif self.kind == "feishu":
            plugin = SignedFeishu(token=parts.path.rstrip("/").rsplit("/", 1)[-1], secret=self.secret)
            plugin.notify_url = base
        elif self.kind == "slack":
            prefix, *tokens = parts.path.rstrip("/").rsplit("/", 3)
            plugin = _instantiate(f"slack://{'/'.join(tokens)}/?footer=no&image=no")
            plugin.webhook_url = f"{parts.scheme}://{parts.netloc}{prefix}"
        else:
            scheme = "jsons" if parts.scheme == "https" else "json"
            params = "&".join(f"-{key}={value}" for key, value in query.items())  # apprise: -name = query parameter
            plugin = _instantiate(f"{scheme}://{parts.netloc}{parts.path}" + (f"?{params}" if params else ""))
        plugin.socket_connect_timeout = plugin.socket_read_timeout = TIMEOUT_SECONDS
        return plugin


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
        params = {"to": ",".join(self.to), "from": self.sender, "smtp": self.host, "format": "text"}
        params["mode"] = "starttls" if self.starttls else "insecure"
        if self.login:
            params |= {"user": self.login, "pass": self.password or ""}
        _notify(_instantiate(f"mailto://{self.host}:{self.port}?{urlencode(params)}"), message)


def _instantiate(url: str) -> apprise.plugins.NotifyBase:
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise NotConfigured(f"apprise cannot use {url.split(':', 1)[0]} with the address given")
    return plugin


def _notify(plugin: apprise.plugins.NotifyBase, message: Message) -> None:
    with apprise.LogCapture(level=logging.WARNING) as captured:
        sent = plugin.notify(body=message.text, title=message.subject)
    if not sent:
        raise DeliveryFailed(captured.getvalue().strip() or f"{plugin.service_name} refused the message")


def _json(content: bytes) -> dict:
    try:
        parsed = json.loads(content)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


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
        return host
    if not host:
        return None
    scheme = "https" if conn.conn_type == "https" else "http"
    port = f":{conn.port}" if conn.port else ""
    return f"{scheme}://{host}{port}/{(conn.schema or '').lstrip('/')}{extra.get('endpoint', '')}"


def build(config: ChannelConfig) -> Channel:
    conn = _connection(config.conn_id)
    if config.type in ROBOTS:
        url = (_connection_url(conn) if conn else None) or config.url
        if not url:
            raise NotConfigured(f"{config.name}: no URL (Airflow connection {config.conn_id!r} or `url` in owners.yml)")
        return Robot(config.type, url, (conn.password if conn else None) or config.secret)
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
