"""Alerts to the group robots Chinese teams work in (DingTalk, WeCom, Feishu) and to Slack, through apprise, against
loopback receivers started here that check each service's payload format and signature as the service does."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
import time
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import psycopg
import pytest

from metrics_warehouse.alerting import engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
DINGTALK_SECRET = "SEC" + "5f0e" * 16
FEISHU_SECRET = "feishu-signing-secret"


def dingtalk_ok(query: dict[str, str]) -> bool:
    """DingTalk: sign = base64(HMAC-SHA256(secret, "timestamp\\nsecret")), URL-encoded once, within an hour."""
    timestamp = query.get("timestamp", "0")
    digest = hmac.new(DINGTALK_SECRET.encode(), f"{timestamp}\n{DINGTALK_SECRET}".encode(), hashlib.sha256).digest()
    fresh = abs(time.time() * 1000 - int(timestamp)) < 3_600_000
    return fresh and query.get("sign") == base64.b64encode(digest).decode()


def feishu_ok(body: dict) -> bool:
    """Feishu: sign = base64(HMAC-SHA256(key="timestamp\\nsecret", msg="")), in the body, timestamp in seconds."""
    timestamp = str(body.get("timestamp", "0"))
    digest = hmac.new(f"{timestamp}\n{FEISHU_SECRET}".encode(), b"", hashlib.sha256).digest()
    return abs(time.time() - int(timestamp)) < 3600 and body.get("sign") == base64.b64encode(digest).decode()


class Receiver(BaseHTTPRequestHandler):
    """Answers like each service: DingTalk / WeCom errcode, Feishu code, Slack `ok`; records what it accepted."""

    def do_POST(self) -> None:
        parts = urlsplit(self.path)
        query = {key: values[0] for key, values in parse_qs(parts.query).items()}
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        service = parts.path.split("/")[1]
        accepted = {
            "dingtalk": lambda: query.get("access_token") == "0f3c9a7b2e" and dingtalk_ok(query),
            "wecom": lambda: query.get("key") == "wecom-key",
            "feishu": lambda: parts.path.endswith("/feishu-token") and feishu_ok(body),
            "slack": lambda: parts.path == "/slack/services/T000/B000/XXXX",
        }[service]()
        if accepted:
            self.server.received[service] = body
        answer = {
            "dingtalk": {"errcode": 0 if accepted else 310000, "errmsg": "ok" if accepted else "sign not match"},
            "wecom": {"errcode": 0 if accepted else 93000, "errmsg": "ok" if accepted else "invalid webhook url"},
            "feishu": {"code": 0 if accepted else 19021, "msg": "success" if accepted else "sign match fail"},
        }.get(service)
        self.send_response(200 if accepted or answer else 404)
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode() if answer else b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    server.received = {}
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def config(tmp_path_factory, receiver):
    """DingTalk and Feishu robots by Airflow connections (webhook URL in host, signing secret in password), WeCom and
    Slack by owners.yml."""
    folder = tmp_path_factory.mktemp("robots")
    base = "http://{}:{}".format(*receiver.server_address)
    (folder / "alert_rules.yml").write_text(
        "rules:\n  - {name: dau_anomaly, query: 'select subject, value from public.signal', condition: {above: 10},"
        " severity: critical, owner: ops}\n"
    )
    (folder / "owners.yml").write_text(
        f"""
owners:
  ops:
    channels:
      - {{type: dingtalk, conn_id: test_dingtalk}}
      - {{type: wecom, url: "{base}/wecom/cgi-bin/webhook/send?key=wecom-key"}}
      - {{type: feishu, conn_id: test_feishu}}
      - {{type: slack, url: "{base}/slack/services/T000/B000/XXXX"}}
"""
    )
    connections = {
        "AIRFLOW_CONN_TEST_DINGTALK": {
            "conn_type": "http",
            "host": f"{base}/dingtalk/robot/send?access_token=0f3c9a7b2e",
            "password": DINGTALK_SECRET,
        },
        "AIRFLOW_CONN_TEST_FEISHU": {
            "conn_type": "http",
            "host": f"{base}/feishu/open-apis/bot/v2/hook/feishu-token",
            "password": FEISHU_SECRET,
        },
    }
    os.environ.update({name: json.dumps(conn) for name, conn in connections.items()})
    yield {"rules_path": folder / "alert_rules.yml", "owners_path": folder / "owners.yml"}
    for name in connections:
        del os.environ[name]


def test_each_robot_receives_its_format_signed(pg_url, config, receiver):
    with psycopg.connect(pg_url) as conn:
        conn.execute("create table public.signal (subject text, value numeric)")
        conn.execute("insert into public.signal values ('dau', 50)")

    [alert] = engine.evaluate(pg_url, now=NOW, **config)

    assert [(d.channel, d.status) for d in alert.deliveries] == [
        ("dingtalk", "sent"),
        ("wecom", "sent"),
        ("feishu", "sent"),
        ("slack", "sent"),
    ]
    got = receiver.received
    assert got["dingtalk"]["msgtype"] == "text" and "[CRITICAL] dau_anomaly: dau" in got["dingtalk"]["text"]["content"]
    assert got["wecom"]["msgtype"] == "text" and "[CRITICAL] dau_anomaly: dau" in got["wecom"]["text"]["content"]
    assert got["feishu"]["msg_type"] == "text" and "[CRITICAL] dau_anomaly: dau" in got["feishu"]["content"]["text"]
    assert "[CRITICAL] dau_anomaly: dau" in got["slack"]["attachments"][0]["title"]
    with psycopg.connect(pg_url) as conn:
        [(message,)] = set(conn.execute("select message from ops.alerts where rule = 'dau_anomaly'").fetchall())
    assert message.splitlines()[0] == "[CRITICAL] dau_anomaly: dau"
    assert message in got["wecom"]["text"]["content"]


def test_a_wrong_signing_secret_is_refused_and_recorded(pg_url, config, receiver, monkeypatch):
    connection = json.loads(os.environ["AIRFLOW_CONN_TEST_FEISHU"]) | {"password": "not-the-secret"}
    monkeypatch.setenv("AIRFLOW_CONN_TEST_FEISHU", json.dumps(connection))
    monkeypatch.setattr(engine, "BACKOFF_SECONDS", (0,))
    with psycopg.connect(pg_url) as conn:
        conn.execute("insert into public.signal values ('orders', 50)")

    [alert] = engine.evaluate(pg_url, now=NOW, **config)

    feishu = next(d for d in alert.deliveries if d.channel == "feishu")
    assert feishu.status == "pending" and "19021" in feishu.error
