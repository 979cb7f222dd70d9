"""Every command the README shows, typed as a user types it, in a fresh copy of the project.

The copy holds what a clone holds (the tracked files, and files not committed yet) and none of this test session's
settings; `make` makes its .venv. The commands are read from the README: its targets table, its `bash` code blocks and
every `python -m …` it shows. Each has a case here, which runs it (through make where the README says make) and checks
its exit status and one thing it must produce; a README command without a case fails the test.

They run in the README's order, starting with `make demo` (the demo'd warehouse the others work on), then again in a
shuffled order (seeded): a command must not depend on what happened to run before it. `make clean` runs once, last
(it deletes what every other command shows), followed by the commands that must work where nothing ran.
Servers (`make airflow`, `make bi`) are started, answer their health endpoint, and are stopped by their process group.
`make test` is this suite, and `make bench` and `make soak` take 15 minutes and more: their recipes are checked with
`make --dry-run`, and a bench part runs for real from its README line.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import psycopg
import pytest

from metrics_local import embedded

PROJECT = Path(__file__).resolve().parents[2]
SEED = 20261207

pytestmark = pytest.mark.e2e


def readme_commands(text: str) -> list[str]:
    """The README's commands in its order, each once: the targets table's, the `bash` blocks' lines (their comments
    dropped, `export` lines being settings) and every `python -m …` outside other code blocks (one with `…` names a
    form, not a command)."""
    commands: list[str] = []
    block: str | None = None
    for line in text.splitlines():
        fence = line.strip()
        if fence.startswith("```"):
            block = None if block is not None else fence[3:]
            continue
        if block == "bash":
            command = re.split(r"\s+#", fence)[0].strip()
            if command and not command.startswith("export "):
                commands.append(command)
        elif block is None:
            if line.startswith("| `make"):
                commands += re.findall(r"`(make [^`]+)`", line.split("|")[1])
            commands += re.findall(r"`(python -m [^`…]+)`", line)  # `python -m metrics_local …` names a form
    return list(dict.fromkeys(commands))


@dataclass
class Project:
    """The copy, the environment of a user with its venv activated, and what the commands took."""

    root: Path
    env: dict[str, str]
    seconds: list[tuple[str, float]] = field(default_factory=list)

    @property
    def pgdata(self) -> Path:
        return self.root / "var" / "pgdata"

    def run(self, command: str, *, timeout: float = 1500, env: dict[str, str] | None = None) -> Result:
        started = time.monotonic()
        done = subprocess.run(
            ["bash", "-c", command],
            cwd=self.root,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.seconds.append((command, time.monotonic() - started))
        result = Result(command, done.returncode, done.stdout, done.stderr + self._failed_run_log(done.returncode))
        (self.root.parent / "outputs.log").open("a").write(f"$ {command}\n{result.output}\n[exit {result.code}]\n")
        return result

    def _failed_run_log(self, code: int) -> str:
        """The end of the newest pipeline log, when a command failed (its output names only the failed task)."""
        logs = sorted((self.root / "var" / "logs").glob("*.log"), key=lambda p: p.stat().st_mtime)
        return f"\n--- {logs[-1]} ---\n{logs[-1].read_text()[-6000:]}" if code and logs else ""

    def warehouse(self) -> AbstractContextManager[str]:
        return embedded_warehouse(self.pgdata)

    def query(self, sql: str, *params) -> list[tuple]:
        with self.warehouse() as url, psycopg.connect(url) as conn:
            return conn.execute(sql, params).fetchall()


@dataclass
class Result:
    command: str
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def ok(self) -> Result:
        assert self.code == 0, f"`{self.command}` exited {self.code}:\n{self.output[-4000:]}"
        return self


@contextmanager
def embedded_warehouse(pgdata: Path) -> Iterator[str]:
    """An embedded warehouse's URL, its server started for the block when no command left it running."""
    url, started_here = embedded.start(pgdata)
    try:
        yield url
    finally:
        if started_here:
            embedded.stop(pgdata)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _copy_project(to: Path) -> None:
    """What a clone of this checkout holds, with the files' times kept (make compares them with its stamps)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=PROJECT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        if source.is_file():
            (to / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, to / name)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    root = tmp_path_factory.mktemp("readme") / "metrics-warehouse"
    _copy_project(root)
    venv = root / ".venv" / "bin"
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("METRICS_", "AIRFLOW", "PYTHON", "VIRTUAL_ENV", "DBT_", "PYTEST", "SUPERSET_"))
    }
    env = {
        **inherited,
        "PATH": f"{venv}:{os.environ['PATH']}",  # `source .venv/bin/activate`
        "VIRTUAL_ENV": str(venv.parent),
        "AIRFLOW__API__PORT": str(_free_port()),  # other tests may serve Airflow or Superset on the default ports
        "METRICS_BI_PORT": str(_free_port()),
    }
    return Project(root, env)


# The cases: each runs its README command and checks what it must produce. Where a command names a placeholder
# (ID, PATH, an example file), the case puts in what a user would: an alert id, a held file of this warehouse.
Case = Callable[[Project, str], None]


def _demo(project: Project, command: str) -> None:
    running_before = embedded.is_running(project.pgdata)  # `make warehouse-start` may have come first
    out = project.run(command).ok().stdout
    assert len(out.splitlines()) < 200, "the demo prints a summary, not Airflow's log"
    progress = re.findall(r"^  \[\s*(\d+)/(\d+)\] ", out, re.M)
    done, total = map(int, progress[-1])
    if int(re.search(r"; ([\d,]+) files written", out)[1].replace(",", "")):
        assert done == total > 40, "every task of the DAG reported, numbered n of N"
    else:  # the same sample again: nothing new, the dbt build and what follows it are skipped
        assert 5 < done < total and "metrics_pipeline: succeeded" in out
    log = Path(re.search(r"full log in (\S+)", out)[1])
    assert log.is_relative_to(project.root / "var")
    assert re.search(r"DagRun Finished: dag_id=metrics_pipeline, .*state=success", log.read_text()), "Airflow's log"
    assert re.search(r"^\s+dau\s+\d+$", out, re.M) and "=== KPI summary ===" in out
    assert f"embedded PostgreSQL in {project.pgdata}" in out and "make warehouse-start" in out
    assert "host=" not in out, "no URL of a server the demo has stopped"
    assert re.search(r"^\s+#\d+\s+\w+", out, re.M), "open alerts are listed with the id `alerts ack` takes"
    assert (project.root / "var" / "report" / "index.html").exists()
    assert embedded.is_running(project.pgdata) == running_before, "it stops the server it started, and only that one"


def _dry_run(*expected: str) -> Case:
    """`make test`, `make bench`, `make soak`: the recipe make would run (see the module's docstring)."""

    def case(project: Project, command: str) -> None:
        out = project.run(command.replace("make ", "make --dry-run ", 1)).ok().stdout
        for part in expected:
            assert part in out, f"`{command}` would not run {part}:\n{out}"

    return case


def _pipeline_run(project: Project, command: str) -> None:
    out = project.run(command).ok().stdout
    assert "metrics_pipeline: succeeded" in out


def _sample(project: Project, command: str) -> None:
    out = project.run(command).ok().stdout
    assert re.search(r"sample \S+\.\.\S+ seed 42: \d+ files", out)
    assert sorted(p.name for p in (project.root / "data" / "landing").iterdir() if not p.name.startswith(".")) == [
        "events",
        "feedback",
        "fx_rates",
        "marketing_spend",
        "surveys",
    ]


def _prints(*expected: str) -> Case:
    def case(project: Project, command: str) -> None:
        out = project.run(command).ok().stdout
        for text in expected:
            assert text in out, f"`{command}` did not print {text!r}:\n{out[-3000:]}"

    return case


def _server(health: Callable[[Project], str], expected: str) -> Case:
    """A long-running command: started in its own process group, healthy, then stopped by its group (Ctrl-C's path)."""

    def case(project: Project, command: str) -> None:
        started = time.monotonic()
        process = subprocess.Popen(
            ["bash", "-c", command],
            cwd=project.root,
            env=project.env,
            start_new_session=True,
            stdout=(log := (project.root.parent / f"server-{len(project.seconds)}.log").open("w")),
            stderr=subprocess.STDOUT,
        )
        url = health(project)
        body = ""
        try:
            deadline = time.monotonic() + 900
            while time.monotonic() < deadline and process.poll() is None:
                try:
                    with urllib.request.urlopen(url, timeout=5) as response:
                        body = response.read().decode()
                        if response.status == 200:
                            break
                except OSError:
                    time.sleep(2)
            assert process.poll() is None, f"`{command}` ended with {process.returncode}: {log.name}"
            assert expected in body, f"{url} answered {body[:500]!r}"
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=120)
            project.seconds.append((command, time.monotonic() - started))
        assert not embedded.is_running(project.pgdata), f"`{command}` left the warehouse it started running"
        assert _stops_answering(url), f"`{command}` left {url} answering: {_listeners(url)}"

    return case


def _stops_answering(url: str, within: float = 60) -> bool:
    """Whether nothing answers on the URL's port within `within` seconds (a server's children finish their requests
    after their group's SIGTERM; on a loaded machine that takes seconds)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=5).close()
        except OSError:
            return True
        time.sleep(1)
    return False


def _listeners(url: str) -> list[str]:
    """The command lines of the processes listening on the URL's port."""
    port = int(url.split(":")[2].split("/")[0])
    pids = {c.pid for c in psutil.net_connections("inet") if c.laddr and c.laddr.port == port and c.status == "LISTEN"}
    return [" ".join(psutil.Process(pid).cmdline())[:300] for pid in pids if pid and psutil.pid_exists(pid)]


def _airflow_health(project: Project) -> str:
    return f"http://127.0.0.1:{project.env['AIRFLOW__API__PORT']}/api/v2/monitor/health"


def _bi_health(project: Project) -> str:
    return f"http://127.0.0.1:{project.env['METRICS_BI_PORT']}/health"


def _backfill(project: Project, command: str) -> None:
    before = project.query("select count(*), sum(dau) from kpi.kpi_daily")
    out = project.run(command).ok().stdout
    assert re.search(r"Done\. PASS=[1-9]\d* WARN=\d+ ERROR=0 ", out), out[-2000:]
    assert project.query("select count(*), sum(dau) from kpi.kpi_daily") == before, "a backfill restates, never changes"


HOLD = "planted_by_the_readme_test"


def _hold_a_file(project: Project) -> str:
    """A loaded survey file put on hold, as the raw gate holds one with a failed critical check."""
    (path,) = project.query(
        f"""
        update ops.ingest_ledger set held_because = '{HOLD}'
        where file_id = (select min(file_id) from ops.ingest_ledger
                         where source = 'surveys' and status = 'loaded' and validated_at is not null)
        returning path
        """
    )[0]
    return path


def _held(project: Project, command: str) -> None:
    path = _hold_a_file(project)
    try:
        out = _with_warehouse_url(project, command).ok().stdout
        assert path in out and HOLD in out
    finally:
        project.query("update ops.ingest_ledger set held_because = null where held_because = %s returning 1", HOLD)


def _release(project: Project, command: str) -> None:
    path = _hold_a_file(project)
    command = re.sub(r"FILE=\S+", f"FILE={path}", command).replace("PATH", path).replace("[--by NAME]", "--by readme")
    _with_warehouse_url(project, command).ok()
    releases = project.query(
        """select r.reason, r.held_because, l.held_because from ops.file_releases as r
           join ops.ingest_ledger as l using (file_id) where l.path = %s order by r.released_at desc limit 1""",
        path,
    )
    reason = re.search(r'(?:REASON=|--reason )"([^"]*)"', command)[1]
    assert releases == [(reason, HOLD, None)]


def _with_warehouse_url(project: Project, command: str) -> Result:
    """`python -m metrics_warehouse …` is a deployment's command: it gets METRICS_WAREHOUSE_URL."""
    if "metrics_warehouse" not in command:
        return project.run(command)
    with project.warehouse() as url:
        return project.run(command, env={"METRICS_WAREHOUSE_URL": url})


def _prepare(project: Project, command: str) -> None:
    _with_warehouse_url(project, command).ok()
    assert project.query("select rolname from pg_roles where rolname = 'metrics_bi'") == [("metrics_bi",)]


def _docs(project: Project, command: str) -> None:
    committed = (project.root / "docs" / "kpi_dictionary.md").read_text()
    project.run(command).ok()
    page = project.root / "var" / "docs" / "index.html"
    assert page.stat().st_size > 1_000_000 and "kpi_daily" in page.read_text()
    assert (project.root / "docs" / "kpi_dictionary.md").read_text() == committed, "the dictionary is up to date"


def _warehouse_start(project: Project, command: str) -> None:
    out = project.run(command).ok().stdout
    assert re.search(rf"postgresql://\S+host={re.escape(str(project.pgdata))}", out)
    assert embedded.is_running(project.pgdata)


def _warehouse_stop(project: Project, command: str) -> None:
    embedded.start(project.pgdata)
    assert "stopped" in project.run(command).ok().stdout
    assert not embedded.is_running(project.pgdata)


def _spark_running(project: Project) -> bool:
    return project.run("python -m metrics_local spark status").code == 0


def _spark_start(project: Project, command: str) -> None:
    out = project.run(command).ok().stdout
    assert re.search(r"^thrift://127\.0\.0\.1:\d+$", out, re.M), out
    status = project.run("python -m metrics_local spark status").ok().stdout
    assert "2 ALIVE workers" in status, status


def _spark_stop(project: Project, command: str) -> None:
    if not _spark_running(project):
        project.run("python -m metrics_local spark start").ok()
    assert "stopped" in project.run(command).ok().stdout
    assert not _spark_running(project)
    assert not [
        p
        for p in psutil.process_iter(["cmdline"])
        if str(project.root) in " ".join(p.info["cmdline"] or [])
        and "org.apache.spark" in " ".join(p.info["cmdline"] or [])
    ], "a Spark JVM of the project is left"


def _alert_to_follow_up(project: Project) -> int:
    return project.query("select min(alert_id) from ops.alerts where kind = 'alert' and resolved_at is null")[0][0]


def _ack(project: Project, command: str) -> None:
    alert_id = _alert_to_follow_up(project)
    assert f"acknowledged alert {alert_id}" in project.run(command.replace("ID", str(alert_id))).ok().stdout
    assert project.query("select acknowledged_at is not null from ops.alerts where alert_id = %s", alert_id) == [
        (True,)
    ]


def _resolve(project: Project, command: str) -> None:
    alert_id = _alert_to_follow_up(project)
    project.run(command.replace("ID", str(alert_id))).ok()
    note = re.search(r'--note "([^"]*)"', command)[1]
    assert project.query("select resolution_note from ops.alerts where alert_id = %s", alert_id) == [(note,)]


def _planted_sample(project: Project, command: str) -> None:
    out = project.run(command).ok().stdout
    assert "problems: segment_drop" in out and (project.root / "data" / "planted" / "events").is_dir()


def _planted_run(project: Project, command: str) -> None:
    project.run(command).ok()
    with embedded_warehouse(project.root / "var" / "planted" / "pgdata") as url, psycopg.connect(url) as conn:
        messages = [m for (m,) in conn.execute("select message from ops.alerts where rule = 'dau_anomaly'")]
    assert any("android" in message for message in messages), messages


def _bench_part(project: Project, command: str) -> None:
    out = project.run(command).ok().stdout
    assert re.search(r"loader / jsonb COPY\s+\d\.\d\d", out)


def _clean(project: Project, command: str) -> None:
    project.run(command).ok()
    assert not any((project.root / name).exists() for name in ("var", "data"))
    assert (project.root / ".venv").is_dir(), "the environment stays"


CASES: dict[str, Case] = {
    "make demo": _demo,
    "make test": _dry_run("ruff check", "sqlfluff lint", "pytest --numprocesses 2"),
    "make run": _pipeline_run,
    "python -m metrics_local run": _pipeline_run,
    "make sample": _sample,
    "python -m metrics_local.sample --help": _prints("--plant", "segment_drop"),
    "make airflow": _server(_airflow_health, '"scheduler":{"status":"healthy"'),
    "make backfill START=2026-10-01 END=2026-10-31": _backfill,
    "make held": _held,
    "python -m metrics_warehouse held": _held,
    'make release FILE=surveys/2026-11-02/x.csv REASON="why"': _release,
    'python -m metrics_warehouse release PATH --reason "..." [--by NAME]': _release,
    "make docs": _docs,
    "make lint": _prints("All checks passed!"),
    "make bench": _dry_run("python -m metrics_local.bench"),
    "make bi": _server(_bi_health, "OK"),
    "make soak": _dry_run("tests/integration/test_faults.py", "tests/e2e/test_run_faults.py"),
    "make warehouse-start": _warehouse_start,
    "make warehouse-stop": _warehouse_stop,
    "make spark-start": _spark_start,
    "make spark-stop": _spark_stop,
    "make clean": _clean,
    "python -m metrics_warehouse prepare": _prepare,
    "python -m metrics_local alerts stats": _prints("owner\trule\talerts_raised"),
    "python -m metrics_local alerts digest --dry-run": _prints("运营日报"),
    "python -m metrics_local alerts ack ID": _ack,
    'python -m metrics_local alerts resolve ID --note "root cause and what was done"': _resolve,
    "python -m metrics_local.sample --out data/planted --days 35 --users 1500 --plant segment_drop": _planted_sample,
    "METRICS_LANDING_DIR=data/planted METRICS_VAR_DIR=var/planted make run": _planted_run,
    "python -m metrics_local.bench.ingest --lines 20000 --slow-lines 2000 --files 2 --rounds 1": _bench_part,
}
# What must work on a clone where nothing ran, checked after `make clean`.
FROM_NOTHING: dict[str, Case] = {"make docs": _docs, "make held": _prints("no file is held")}


def test_every_readme_command_has_a_case() -> None:
    commands = readme_commands((PROJECT / "README.md").read_text(encoding="utf-8"))
    assert commands[:2] == ["make demo", "make test"], "the two commands come first"
    assert sorted(set(commands) - set(CASES)) == [], "README commands without a case here"
    assert sorted(set(CASES) - set(commands)) == [], "cases of commands the README no longer shows"


def test_every_make_target_the_readme_names_exists() -> None:
    targets = set(re.findall(r"`make ([a-z-]+)", (PROJECT / "README.md").read_text(encoding="utf-8")))
    for target in sorted(targets):
        dry = subprocess.run(["make", "--dry-run", target], cwd=PROJECT, capture_output=True, text=True)
        assert dry.returncode == 0, f"make {target}: {dry.stderr}"


def test_readme_commands_in_order_then_shuffled(project: Project) -> None:
    commands = [c for c in readme_commands((PROJECT / "README.md").read_text(encoding="utf-8")) if c in CASES]
    last = "make clean"
    in_order = [c for c in commands if c != last]
    shuffled = in_order[:]
    random.Random(SEED).shuffle(shuffled)
    try:
        for command in [*in_order, *shuffled, last]:
            print(f"$ {command}", flush=True)
            CASES[command](project, command)
        for command, case in FROM_NOTHING.items():
            print(f"$ {command}  (nothing ran)", flush=True)
            case(project, command)
    finally:
        embedded.stop(project.pgdata)
        for command, seconds in project.seconds:
            print(f"{seconds:7.1f} s  {command}")
