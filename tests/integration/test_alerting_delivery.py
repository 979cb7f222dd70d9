"""Alert delivery against real receivers: an SMTP server and an HTTP server started here, on 127.0.0.1."""

from __future__ import annotations

import email
import json
import os
import socketserver
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from metrics_warehouse.alerting import engine

NOW = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


class SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: greets, accepts every command, collects DATA as messages."""

    def handle(self) -> None:
        self.wfile.write(b"220 test smtp\r\n")
        data: list[bytes] | None = None
        while line := self.rfile.readline():
            if data is not None:
                if line.rstrip(b"\r\n") == b".":
                    self.server.messages.append(email.message_from_bytes(b"".join(data)))
                    data = None
                    self.wfile.write(b"250 queued\r\n")
                else:
                    data.append(line[1:] if line.startswith(b"..") else line)
                continue
            command = line[:4].upper()
            if command == b"DATA":
                data = []
                self.wfile.write(b"354 end with .\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


class HTTPHandler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.server.failing:
            self.server.refused += 1
            self.send_response(500)
        else:
            self.server.posts.append((self.path.split("/services/")[0], json.loads(body)))
            self.send_response(200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def smtp():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), SMTPHandler)
    server.messages = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def http():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HTTPHandler)
    server.posts, server.failing, server.refused = [], False, 0
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()


@pytest.fixture(scope="module")
def config(tmp_path_factory, smtp, http):
    """A rule on a small signal table; team reaches Slack by owners.yml, its webhook by an Airflow connection."""
    folder = tmp_path_factory.mktemp("alerting")
    host, port = http.server_address
    (folder / "alert_rules.yml").write_text(
        """
rules:
  - name: signal_high
    description: A signal above 10.
    query: select subject, value from public.signal
    condition: {above: 10}
    severity: critical
    owner: team
  - name: hook_only
    query: select subject, value from public.hook_signal
    condition: {rows: any}
    severity: warning
    owner: hook_team
"""
    )
    (folder / "owners.yml").write_text(
        f"""
owners:
  team:
    channels:
      - type: slack
        url: http://{host}:{port}/slack/services/T000/B000/XXXX
      - type: webhook
        conn_id: test_alerts_webhook
      - type: email
        to: [ops@example.com]
        host: 127.0.0.1
        port: {smtp.server_address[1]}
  hook_team:
    channels:
      - type: webhook
        url: http://{host}:{port}/hook
"""
    )
    os.environ["AIRFLOW_CONN_TEST_ALERTS_WEBHOOK"] = json.dumps(
        {"conn_type": "http", "host": "127.0.0.1", "port": port, "extra": {"url": f"http://{host}:{port}/generic"}}
    )
    yield {"rules_path": folder / "alert_rules.yml", "owners_path": folder / "owners.yml"}
    del os.environ["AIRFLOW_CONN_TEST_ALERTS_WEBHOOK"]


@pytest.fixture(scope="module")
def url(pg_url):
    with psycopg.connect(pg_url) as conn:
        conn.execute("create table public.signal (subject text, value numeric)")
        conn.execute("create table public.hook_signal (subject text, value text)")
    return pg_url


def execute(url: str, statement: str) -> None:
    with psycopg.connect(url) as conn:
        conn.execute(statement)


def alerts(url: str, rule: str) -> list[tuple]:
    with psycopg.connect(url) as conn:
        return conn.execute(
            "select kind, subject, value, threshold, owner, channel, delivery_status, delivery_attempts, last_error"
            " from ops.alerts where rule = %s order by alert_id",
            (rule,),
        ).fetchall()


def test_alert_is_delivered_once_and_its_recovery_once(url, config, smtp, http):
    execute(url, "insert into public.signal values ('orders', 50), ('visits', 3)")

    raised = engine.evaluate(url, now=NOW, **config)

    assert [(o.rule, o.kind, o.subject, o.value, o.threshold) for o in raised] == [
        ("signal_high", "alert", "orders", "50", "> 10")
    ]
    assert [(d.channel, d.status, d.attempts) for d in raised[0].deliveries] == [
        ("slack", "sent", 1),
        ("webhook", "sent", 1),
        ("email", "sent", 1),
    ]
    posts = dict(http.posts)
    [slack] = posts["/slack"]["attachments"]
    assert slack["title"] == "[metrics] [CRITICAL] signal_high: orders" and "A signal above 10." in slack["text"]
    generic = posts["/generic"]
    assert generic["title"] == slack["title"] and generic["message"].startswith("[CRITICAL] signal_high: orders")
    assert generic["alert"]["rule"] == "signal_high" and generic["alert"]["value"] == "50"
    assert generic["alert"]["kind"] == "alert" and generic["alert"]["owner"] == "team"
    [mail] = smtp.messages
    assert mail["To"] == "ops@example.com" and "signal_high: orders" in mail["Subject"]
    assert "A signal above 10." in mail.get_payload()
    assert [row[6] for row in alerts(url, "signal_high")] == ["sent"] * 3

    # The same open condition is not sent again.
    assert engine.evaluate(url, now=NOW + timedelta(hours=1), **config) == []
    assert len(http.posts) == 2 and len(smtp.messages) == 1

    execute(url, "update public.signal set value = 4 where subject = 'orders'")
    recovered = engine.evaluate(url, now=NOW + timedelta(hours=2), **config)

    assert [(o.kind, o.subject, o.value) for o in recovered] == [("recovery", "orders", "50")]
    assert "[RECOVERED] signal_high: orders" in http.posts[-2][1]["attachments"][0]["title"]
    assert "RECOVERED" in smtp.messages[-1]["Subject"]
    assert engine.evaluate(url, now=NOW + timedelta(hours=3), **config) == []
    assert [(row[0], row[6]) for row in alerts(url, "signal_high")] == [("alert", "sent")] * 3 + [
        ("recovery", "sent")
    ] * 3

    # It can open again later, and is announced again.
    execute(url, "update public.signal set value = 11 where subject = 'orders'")
    assert [o.kind for o in engine.evaluate(url, now=NOW + timedelta(hours=4), **config)] == ["alert"]


def test_failed_delivery_is_recorded_and_retried_without_raising(url, config, http):
    http.failing = True
    execute(url, "insert into public.hook_signal values ('refunds', 'spike')")

    [raised] = engine.evaluate(url, now=NOW, **config)

    assert [(d.status, d.attempts) for d in raised.deliveries] == [("pending", engine.ATTEMPTS_PER_EVALUATION)]
    assert http.refused == engine.ATTEMPTS_PER_EVALUATION
    [row] = alerts(url, "hook_only")
    assert row[6:8] == ("pending", 3) and "500" in row[8]

    # Next evaluation: the open condition is not re-raised, but the pending delivery is retried and now arrives.
    http.failing = False
    assert engine.evaluate(url, now=NOW + timedelta(hours=1), **config) == []
    [row] = alerts(url, "hook_only")
    assert row[6:9] == ("sent", 4, None)
    assert http.posts[-1] == ("/hook", http.posts[-1][1]) and http.posts[-1][1]["alert"]["subject"] == "refunds"


def test_delivery_gives_up_after_the_bounded_attempts(url, config, http):
    http.failing = True
    execute(url, "insert into public.hook_signal values ('chargebacks', 'spike')")
    for hour in range(4):
        engine.evaluate(url, now=NOW + timedelta(hours=hour), **config)
    http.failing = False

    row = alerts(url, "hook_only")[-1]
    assert row[1] == "chargebacks" and row[6:8] == ("failed", engine.MAX_ATTEMPTS)


def test_channel_without_address_is_recorded_as_skipped(url, tmp_path):
    (tmp_path / "owners.yml").write_text(
        "owners:\n  nobody:\n    channels:\n      - type: slack\n        url: ${UNSET_URL_VAR}\n"
    )
    (tmp_path / "rules.yml").write_text(
        "rules:\n  - {name: quiet, query: \"select 'x' as subject\", condition: {rows: any}, severity: info, owner: nobody}\n"
    )
    [raised] = engine.evaluate(url, now=NOW, rules_path=tmp_path / "rules.yml", owners_path=tmp_path / "owners.yml")
    assert raised.deliveries[0].status == "skipped" and "no URL" in raised.deliveries[0].error
    assert alerts(url, "quiet")[0][6] == "skipped"
