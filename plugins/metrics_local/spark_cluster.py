"""The local Spark standalone cluster kept in the project folder (var/spark): a master, two workers and the Thrift server
that dbt talks to, all on 127.0.0.1, run from .venv-spark's pyspark (its jars and bin/spark-class; the sbin/start-*.sh
wrappers are not shipped).

The state folder holds each process's pid and log, the workers' work folders, the Hive metastore (Derby) and the Spark
SQL warehouse. Each process starts in a session of its own through `exec java`, so the recorded pid is the JVM's and its
process group holds the executors it launches: stopping a group leaves no JVM behind.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil

from metrics_warehouse.settings import PROJECT_ROOT, VAR_DIR

SPARK_VENV = PROJECT_ROOT / ".venv-spark"
HOST = "127.0.0.1"
WORKERS = 2
# Ports from METRICS_SPARK_MASTER_PORT on: the master's, then the web UIs of the master, the workers and the Thrift server.
MASTER_PORTS = WORKERS + 3
# Each worker offers one core and 1 GB; the Thrift server asks for one executor of that size per worker.
WORKER_CORES, WORKER_MEMORY = 1, "1g"
DRIVER_MEMORY = "1g"
START_TIMEOUT = 300.0  # seconds; a start takes about 30 on two idle cores, 85 on busy ones
STOP_GRACE = 20.0  # seconds from SIGTERM to SIGKILL
DEBIAN_JAVA = "/usr/bin/java"  # the Makefile's rule installs it (apt) when missing

MASTER_CLASS = "org.apache.spark.deploy.master.Master"
WORKER_CLASS = "org.apache.spark.deploy.worker.Worker"
THRIFT_CLASS = "org.apache.spark.sql.hive.thriftserver.HiveThriftServer2"


class SparkClusterError(RuntimeError):
    pass


@dataclass(frozen=True)
class SparkCluster:
    """The cluster kept in `state_dir`. Clients (dbt) connect to the Thrift server on `port`; the master listens on
    `master_port`, and the web UIs of the master, the workers and the Thrift server's application on the ports after it
    (so that none lands on Airflow's 8080)."""

    state_dir: Path
    master_port: int = 7077
    port: int = 10000
    host: str = HOST

    @property
    def thrift_url(self) -> str:
        return f"thrift://{self.host}:{self.port}"

    @property
    def master_url(self) -> str:
        return f"spark://{self.host}:{self.master_port}"

    @property
    def master_ui_port(self) -> int:
        return self.master_port + 1

    def worker_ui_port(self, n: int) -> int:
        return self.master_port + 1 + n

    @property
    def thrift_ui_port(self) -> int:
        return self.master_port + MASTER_PORTS - 1

    @property
    def processes(self) -> tuple[str, ...]:
        """The processes, in start order: stopped in the reverse."""
        return ("master", *(f"worker-{n}" for n in range(1, WORKERS + 1)), "thrift")

    def log(self, name: str) -> Path:
        return self.state_dir / "logs" / f"{name}.log"

    def _pid_file(self, name: str) -> Path:
        return self.state_dir / f"{name}.pid"

    # -- state -----------------------------------------------------------------------------------------------------

    def pids(self) -> dict[str, int | None]:
        """Each process's pid while it runs, else None; a stale pid file (its process gone) is removed."""
        pids: dict[str, int | None] = {}
        for name in self.processes:
            pid_file = self._pid_file(name)
            pid = int(pid_file.read_text()) if pid_file.exists() else None
            if pid is not None and not _is_spark_jvm(pid, self._main_class(name)):
                pid_file.unlink()
                pid = None
            pids[name] = pid
        return pids

    def is_running(self) -> bool:
        return all(self.pids().values())

    def _recorded(self) -> SparkCluster:
        """The cluster as it was started (its ports), when it runs with other ports than this one's."""
        ports = self.state_dir / "ports.json"
        if not ports.exists():
            return self
        return SparkCluster(self.state_dir, **json.loads(ports.read_text()), host=self.host)

    # -- start and stop ----------------------------------------------------------------------------------------------

    def start(self) -> tuple[str, bool]:
        """Start the cluster unless it runs already. Returns (Thrift URL, started_here)."""
        if self.is_running():
            return self._recorded().thrift_url, False
        self.stop()  # a part left over from a crash
        spark_home = _spark_home()
        check_java()
        self._check_ports_free()
        for folder in ("logs", "conf", "tmp", "work"):
            (self.state_dir / folder).mkdir(parents=True, exist_ok=True)
        (self.state_dir / "ports.json").write_text(json.dumps({"master_port": self.master_port, "port": self.port}))
        env = self._env(spark_home)
        deadline = time.monotonic() + START_TIMEOUT
        try:
            self._launch("master", spark_home, env)
            self._wait("the Spark master's web UI", lambda: self._master_state() is not None, ["master"], deadline)
            for n in range(1, WORKERS + 1):
                self._launch(f"worker-{n}", spark_home, env)
            # The Thrift server registers with the master while the workers do: its executors start as they join.
            self._launch("thrift", spark_home, env)
            self._wait(f"{WORKERS} ALIVE workers", lambda: self.alive_workers() == WORKERS, self.processes, deadline)
            self._wait(
                f"the Thrift server on port {self.port} with an executor on each worker",
                lambda: _answers(self.host, self.port) and len(self._executor_tasks()) == WORKERS,
                self.processes,
                deadline,
            )
        except BaseException:
            # what stop() cannot recognise yet (a JVM being exec'd) is killed by the pid this start recorded
            launched = [int(path.read_text()) for name in self.processes if (path := self._pid_file(name)).exists()]
            self.stop()
            for pid in launched:
                if _alive(pid):
                    _signal_group(pid, signal.SIGKILL)
            raise
        return self.thrift_url, True

    def stop(self) -> bool:
        """SIGTERM every recorded process's group (the executors are in their worker's), SIGKILL what is left after a
        grace period. Returns whether anything ran."""
        pids = self.pids()
        groups = [pid for name in reversed(self.processes) if (pid := pids[name])]
        for pid in groups:
            _signal_group(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE
        while any(_group(pid) for pid in groups) and time.monotonic() < deadline:
            time.sleep(0.2)
        for pid in groups:
            if left := _group(pid):
                _signal_group(pid, signal.SIGKILL)
                psutil.wait_procs(left, timeout=5)
            _reap(pid)
        for name in self.processes:
            self._pid_file(name).unlink(missing_ok=True)
        return bool(groups)

    def _main_class(self, name: str) -> str:
        return {"master": MASTER_CLASS, "thrift": THRIFT_CLASS}.get(name, WORKER_CLASS)

    def _command(self, name: str, spark_home: Path) -> list[str]:
        state = self.state_dir
        if name == "master":
            ports = ["--port", str(self.master_port), "--webui-port", str(self.master_ui_port)]
            return [str(spark_home / "bin" / "spark-class"), MASTER_CLASS, "--host", self.host, *ports]
        if name == "thrift":
            conf = {
                "spark.executor.cores": WORKER_CORES,
                "spark.executor.memory": WORKER_MEMORY,
                "spark.cores.max": WORKERS * WORKER_CORES,
                "spark.ui.port": self.thrift_ui_port,
                "spark.sql.session.timeZone": "UTC",
                # A shuffle in as many partitions as the cluster has cores, not Spark's 200: with adaptive execution
                # off (dbt_project/profiles.yml) nothing coalesces them, and 200 tiny tasks per join cost seconds.
                "spark.sql.shuffle.partitions": 2 * WORKERS * WORKER_CORES,
                "spark.sql.warehouse.dir": state / "warehouse",
                "spark.hadoop.javax.jdo.option.ConnectionURL": f"jdbc:derby:;databaseName={state / 'metastore_db'};create=true",
                "spark.driver.extraJavaOptions": f"-Dderby.system.home={state}",
            }
            hive = {"hive.server2.thrift.port": self.port, "hive.server2.thrift.bind.host": self.host}
            return [
                str(spark_home / "bin" / "spark-submit"),
                *("--master", self.master_url, "--class", THRIFT_CLASS, "--name", "Thrift JDBC/ODBC Server"),
                *("--driver-memory", DRIVER_MEMORY),
                *(arg for key, value in conf.items() for arg in ("--conf", f"{key}={value}")),
                *(arg for key, value in hive.items() for arg in ("--hiveconf", f"{key}={value}")),
                "spark-internal",
            ]
        n = int(name.removeprefix("worker-"))
        return [
            *(str(spark_home / "bin" / "spark-class"), WORKER_CLASS, "--host", self.host),
            *("--cores", str(WORKER_CORES), "--memory", WORKER_MEMORY),
            *("--webui-port", str(self.worker_ui_port(n)), "--work-dir", str(state / "work" / name)),
            self.master_url,
        ]

    def _env(self, spark_home: Path) -> dict[str, str]:
        # An empty conf folder of its own: no spark-defaults.conf or spark-env.sh of the machine's applies.
        env = {key: value for key, value in os.environ.items() if not key.startswith(("SPARK_", "PYSPARK_"))}
        # A taken web UI port fails the start (named in the log) rather than slipping onto the next process's port.
        daemon_opts = "-Dspark.port.maxRetries=0"
        return {
            **env,
            "SPARK_HOME": str(spark_home),
            "SPARK_CONF_DIR": str(self.state_dir / "conf"),
            "SPARK_LOCAL_IP": self.host,
            "SPARK_LOCAL_DIRS": str(self.state_dir / "tmp"),
            # No REST submission server (port 6066): applications are submitted to the master's port only.
            "SPARK_MASTER_OPTS": f"{daemon_opts} -Dspark.master.rest.enabled=false",
            "SPARK_WORKER_OPTS": daemon_opts,
            "SPARK_SUBMIT_OPTS": daemon_opts,
        }

    def _launch(self, name: str, spark_home: Path, env: Mapping[str, str]) -> None:
        with open(self.log(name), "ab") as log:
            process = subprocess.Popen(
                self._command(name, spark_home),
                cwd=self.state_dir,  # Derby's and the launcher's stray files land in the state folder
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self._pid_file(name).write_text(str(process.pid))

    def _wait(self, what: str, ready, names, deadline: float) -> None:
        while not _quietly(ready):
            for name in names:
                pid = int(self._pid_file(name).read_text())
                # Alive, not "a Spark JVM": while spark-class execs the JVM its command line can read as empty.
                if not _alive(pid):
                    raise SparkClusterError(f"the Spark {name} process ended while starting:\n{_tail(self.log(name))}")
            if time.monotonic() > deadline:
                logs = ", ".join(str(self.log(name)) for name in names)
                raise SparkClusterError(f"no {what} within {START_TIMEOUT:.0f} s of the start: see {logs}")
            time.sleep(0.5)

    def _check_ports_free(self) -> None:
        ports = {
            "METRICS_SPARK_PORT (the Thrift server)": [self.port],
            "METRICS_SPARK_MASTER_PORT (the master and, after it, the web UIs)": list(
                range(self.master_port, self.master_port + MASTER_PORTS)
            ),
        }
        for setting, numbers in ports.items():
            if taken := [port for port in numbers if _answers(self.host, port)]:
                raise SparkClusterError(f"port {taken[0]} on {self.host} is in use: set {setting} to free ones")

    # -- what the cluster reports ------------------------------------------------------------------------------------

    def _master_state(self) -> dict | None:
        return _get_json(f"http://{self.host}:{self.master_ui_port}/json/")

    def alive_workers(self) -> int:
        state = self._master_state() or {}
        return sum(worker["state"] == "ALIVE" for worker in state.get("workers", []))

    def _executor_tasks(self) -> dict[str, int]:
        """Tasks run by each executor of the Thrift server's application (executor id → tasks), the driver left out."""
        api = f"http://{self.host}:{self.thrift_ui_port}/api/v1/applications"
        (app,) = _get_json(api)
        executors = _get_json(f"{api}/{app['id']}/allexecutors")
        return {e["id"]: e["totalTasks"] for e in executors if e["id"] != "driver"}

    def tasks_per_worker(self) -> dict[str, int]:
        """Tasks the Thrift server's executors ran on each ALIVE worker (worker id → tasks): the master names the
        workers, each worker's own web UI the executors it runs, the Thrift server's UI what each executor ran."""
        running = self._recorded()
        executor_tasks, state = running._executor_tasks(), running._master_state() or {}
        tasks = {}
        for worker in state.get("workers", []):
            if worker["state"] != "ALIVE":
                continue
            detail = _get_json(f"{worker['webuiaddress']}/json/")
            ran = detail["executors"] + detail["finishedexecutors"]
            tasks[worker["id"]] = sum(executor_tasks.get(str(executor["id"]), 0) for executor in ran)
        return tasks

    def status(self) -> str:
        """One line per process, then where the cluster answers."""
        pids = self.pids()
        lines = [f"{name:<9} {f'pid {pid}' if pid else 'not running'}" for name, pid in pids.items()]
        if all(pids.values()):
            running = self._recorded()
            lines += [
                f"thrift    {running.thrift_url}",
                f"master    {running.master_url}, web UI http://{self.host}:{running.master_ui_port}/ "
                f"({running.alive_workers()} ALIVE workers)",
            ]
        return "\n".join(lines)


def local_cluster(env: Mapping[str, str] | None = None) -> SparkCluster:
    """The project's cluster under var/spark, on the ports the environment sets."""
    env = os.environ if env is None else env
    return SparkCluster(
        state_dir=VAR_DIR / "spark",
        master_port=int(env.get("METRICS_SPARK_MASTER_PORT") or SparkCluster.master_port),
        port=int(env.get("METRICS_SPARK_PORT") or SparkCluster.port),
    )


def _spark_home() -> Path:
    homes = sorted(SPARK_VENV.glob("lib/python3*/site-packages/pyspark/bin/spark-class"))
    if not homes:
        raise SparkClusterError(f"no pyspark in {SPARK_VENV}: `make spark-venv` creates it")
    return homes[0].parents[1]


def check_java() -> None:
    """Raise when there is no Java to run Spark: its launcher takes $JAVA_HOME/bin/java, else the java on PATH."""
    java_home = os.environ.get("JAVA_HOME")
    if not (Path(java_home, "bin", "java").exists() if java_home else shutil.which("java")):
        raise SparkClusterError(
            "Spark needs Java 17: `make spark-start` installs it (apt), or set JAVA_HOME to a JDK's"
        )


def _is_spark_jvm(pid: int, main_class: str) -> bool:
    """Whether `pid` is a live JVM running `main_class` (a recycled pid is not)."""
    try:
        process = psutil.Process(pid)
        return process.status() != psutil.STATUS_ZOMBIE and main_class in process.cmdline()
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _group(pgid: int) -> list[psutil.Process]:
    """The live processes of a process group."""
    members = []
    for process in psutil.process_iter():
        try:
            if os.getpgid(process.pid) == pgid and _live(process):
                members.append(process)
        except (ProcessLookupError, psutil.NoSuchProcess):
            continue
    return members


def _live(process: psutil.Process) -> bool:
    """Whether a process still runs: a JVM's main thread ends (a zombie in /proc) while its other threads shut down and
    hold its ports."""
    try:
        return process.status() != psutil.STATUS_ZOMBIE or process.num_threads() > 1
    except psutil.NoSuchProcess:
        return False


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def _reap(pid: int) -> None:
    """Collect the exit status when this process started it, so that no zombie is left."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def _answers(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((host, port)) == 0


def _get_json(url: str):
    with urllib.request.urlopen(url, timeout=5) as response:
        return json.load(response)


def _quietly(check) -> bool:
    """A readiness check's answer, False while the process it asks is not listening yet."""
    try:
        return bool(check())
    except (OSError, ValueError):
        return False


def _tail(log: Path, lines: int = 30) -> str:
    text = log.read_text(errors="replace").splitlines() if log.exists() else []
    return "\n".join([f"(last lines of {log})", *text[-lines:]])
