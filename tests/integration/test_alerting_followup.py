"""Closing the loop: ack and resolve through the CLI with a root cause, a recurrence within 30 days escalated to the
owner's escalation owner (its message quoting the last root cause), and ops.alert_stats per owner and rule."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import psycopg
import pytest

from metrics_warehouse.__main__ import main as warehouse_command
from metrics_warehouse.alerting import engine

NOW = datetime.now(UTC) - timedelta(hours=1)  # the CLI acknowledges and resolves at the wall clock


class Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        self.server.posts.append((self.path, json.loads(self.rfile.read(int(self.headers["Content-Length"])))))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    server.posts = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = "http://{}:{}".format(*server.server_address)
    folder = tmp_path_factory.mktemp("followup")
    (folder / "alert_rules.yml").write_text(
        "rules:\n  - {name: refunds_high, query: 'select subject, value from public.signal', condition: {above: 10},"
        " severity: warning, owner: finance}\n"
    )
    (folder / "owners.yml").write_text(
        f"owners:\n  finance:\n    escalation: lead\n    channels: [{{type: webhook, url: '{base}/finance'}}]\n"
        f"  lead:\n    channels: [{{type: webhook, url: '{base}/lead'}}]\n"
    )
    yield {"rules_path": folder / "alert_rules.yml", "owners_path": folder / "owners.yml"}, server
    server.shutdown()


def set_signal(url: str, value: int) -> None:
    with psycopg.connect(url) as conn:
        conn.execute("create table if not exists public.signal (subject text, value numeric)")
        conn.execute("delete from public.signal")
        conn.execute("insert into public.signal values ('refunds', %s)", (value,))


def run_cli(url: str, monkeypatch, *args: str) -> int:
    monkeypatch.setenv("METRICS_WAREHOUSE_URL", url)
    return warehouse_command(["alerts", *args])


def test_resolved_alert_that_fires_again_is_recurring_and_escalated(pg_url, config, monkeypatch, capsys):
    paths, hooks = config
    set_signal(pg_url, 50)
    [first] = engine.evaluate(pg_url, now=NOW, **paths)
    assert (first.owner, first.recurring, [p for p, _ in hooks.posts]) == ("finance", False, ["/finance"])

    assert run_cli(pg_url, monkeypatch, "ack", str(first.alert_ids[0])) == 0
    note = "refund bot retried every refund twice; fixed in payments 2.4.1"
    assert run_cli(pg_url, monkeypatch, "resolve", str(first.alert_ids[0]), "--note", note) == 0
    assert run_cli(pg_url, monkeypatch, "ack", "999999") == 1
    set_signal(pg_url, 3)
    assert [o.kind for o in engine.evaluate(pg_url, now=NOW + timedelta(hours=5), **paths)] == ["recovery"]

    set_signal(pg_url, 70)  # back within 30 days of the resolution
    [again] = engine.evaluate(pg_url, now=NOW + timedelta(days=12), **paths)

    assert (again.recurring, again.escalated_to) == (True, "lead")
    assert again.details["recurrence"]["last_root_cause"] == note
    sent = dict(hooks.posts[-2:])
    assert set(sent) == {"/finance", "/lead"}
    assert sent["/lead"]["title"].startswith("[metrics] [RECURRING, escalated to lead] [WARNING] refunds_high")
    assert note in sent["/lead"]["message"] and note in sent["/finance"]["message"]
    with psycopg.connect(pg_url) as conn:
        rows = conn.execute(
            "select owner, recurring, escalated_to from ops.alerts where alert_id = any(%s) order by owner",
            (again.alert_ids,),
        ).fetchall()
        stats = conn.execute(
            "select owner, rule, alerts_raised, recurring, acknowledged, resolved, unresolved,"
            " median_hours_to_resolve from ops.alert_stats order by owner"
        ).fetchall()
    assert rows == [("finance", True, "lead"), ("lead", True, "lead")]
    assert stats[0][:7] == ("finance", "refunds_high", 2, 1, 1, 1, 1) and stats[0][7] >= 0
    assert stats[1][:7] == ("lead", "refunds_high", 1, 1, 0, 0, 1)

    assert run_cli(pg_url, monkeypatch, "stats") == 0
    assert "refunds_high" in capsys.readouterr().out


def test_a_resolution_older_than_30_days_does_not_make_it_recurring(pg_url, config):
    paths, _ = config
    set_signal(pg_url, 3)
    engine.evaluate(pg_url, now=NOW + timedelta(days=13), **paths)
    set_signal(pg_url, 80)
    [late] = engine.evaluate(pg_url, now=NOW + timedelta(days=45), **paths)
    assert (late.recurring, late.escalated_to, late.owner) == (False, None, "finance")
