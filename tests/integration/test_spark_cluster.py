"""The local Spark standalone cluster: two ALIVE workers that both run a query's tasks, sent over the Thrift server as dbt
sends its SQL; a second start reuses the running cluster; a start that cannot succeed says why (the setting to change, the
log to read); stopping leaves no JVM behind, and it starts again."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest
from pyhive import hive

from metrics_local.spark_cluster import WORKERS, SparkCluster, SparkClusterError


def query(cluster: SparkCluster, sql: str) -> list[tuple]:
    with hive.connect(host=cluster.host, port=cluster.port, username="test") as conn:
        cursor = conn.cursor()
        cursor.execute(sql)
        return cursor.fetchall()


def processes_in(state_dir: Path) -> list[psutil.Process]:
    """Every process started from the cluster's state folder (the JVMs and the executors their workers launch)."""
    found = []
    for process in psutil.process_iter():
        try:
            if str(state_dir) in " ".join(process.cmdline()) or process.cwd().startswith(str(state_dir)):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def test_both_workers_are_alive(spark_cluster: SparkCluster) -> None:
    assert spark_cluster.alive_workers() == WORKERS == 2
    assert all(spark_cluster.pids().values()), spark_cluster.status()
    assert spark_cluster.thrift_url == f"thrift://127.0.0.1:{spark_cluster.port}"


def test_a_query_over_thrift_runs_tasks_on_both_workers(spark_cluster: SparkCluster) -> None:
    before = spark_cluster.tasks_per_worker()
    # Eight partitions: more tasks than the two executors (one core each) run at once.
    assert query(spark_cluster, "select count(*), sum(id) from range(0, 20000000, 1, 8)") == [
        (20000000, 20000000 * 19999999 // 2)
    ]
    after = spark_cluster.tasks_per_worker()
    assert len(after) == WORKERS and after.keys() == before.keys()
    ran = {worker: after[worker] - before[worker] for worker in after}
    assert all(tasks > 0 for tasks in ran.values()), ran
    assert sum(ran.values()) >= 8, ran


def test_a_second_start_reuses_the_running_cluster(spark_cluster: SparkCluster) -> None:
    pids = spark_cluster.pids()
    assert spark_cluster.start() == (spark_cluster.thrift_url, False)
    other_ports = SparkCluster(spark_cluster.state_dir, master_port=7077, port=10000)
    assert other_ports.start() == (spark_cluster.thrift_url, False)  # the running cluster's ports, not the asked ones
    # The command line of make spark-start and of the status, in the same var folder and on the default ports.
    env = {name: value for name, value in os.environ.items() if not name.startswith("METRICS_SPARK_")}
    for action in ("start", "status"):
        command = [sys.executable, "-m", "metrics_local", "spark", action]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        assert spark_cluster.thrift_url in done.stdout
    assert spark_cluster.pids() == pids


def test_a_start_on_taken_ports_names_the_setting_to_change(spark_cluster: SparkCluster, tmp_path: Path) -> None:
    second = SparkCluster(tmp_path / "spark", master_port=spark_cluster.master_port, port=spark_cluster.port)
    with pytest.raises(SparkClusterError, match=rf"port {spark_cluster.port} .* in use: set METRICS_SPARK_PORT"):
        second.start()
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        other = SparkCluster(tmp_path / "spark", master_port=spark_cluster.master_port, port=free.getsockname()[1])
    with pytest.raises(SparkClusterError, match="in use: set METRICS_SPARK_MASTER_PORT"):
        other.start()
    assert processes_in(tmp_path) == []


@pytest.mark.usefixtures("spark_cluster")  # .venv-spark and Java
def test_a_process_that_ends_while_starting_is_named_with_its_log(tmp_path: Path) -> None:
    unbindable = SparkCluster(tmp_path / "spark", host="192.0.2.1")  # TEST-NET-1: no interface of this machine has it
    with pytest.raises(SparkClusterError, match="the Spark master process ended while starting") as failed:
        unbindable.start()
    assert str(unbindable.log("master")) in str(failed.value) and "BindException" in str(failed.value)
    assert unbindable.pids() == dict.fromkeys(unbindable.processes) and processes_in(tmp_path) == []


def test_a_stale_pid_file_is_cleaned(tmp_path: Path) -> None:
    stopped = SparkCluster(tmp_path / "spark")
    stopped.state_dir.mkdir()
    (stopped.state_dir / "master.pid").write_text(str(os.getpid()))  # alive, but not a Spark master
    (stopped.state_dir / "thrift.pid").write_text("999999999")  # no such process
    assert stopped.pids() == dict.fromkeys(stopped.processes)
    assert not list(stopped.state_dir.glob("*.pid"))
    assert stopped.stop() is False


def test_stop_leaves_no_jvm_behind_and_the_cluster_starts_again(spark_cluster: SparkCluster) -> None:
    """Last in the module: the Spark tests after it get the restarted cluster, its metastore and warehouse kept."""
    query(spark_cluster, "create table if not exists default.kept using parquet as select 42 as answer")
    jvms = processes_in(spark_cluster.state_dir)
    assert len(jvms) == 2 + 2 * WORKERS, jvms  # the master, the workers, their executors and the Thrift server
    assert spark_cluster.stop() is True
    assert not any(process.is_running() for process in jvms)
    assert processes_in(spark_cluster.state_dir) == []
    assert spark_cluster.pids() == dict.fromkeys(spark_cluster.processes)
    assert spark_cluster.stop() is False

    assert spark_cluster.start() == (spark_cluster.thrift_url, True)
    assert spark_cluster.alive_workers() == WORKERS
    assert query(spark_cluster, "select answer from default.kept") == [(42,)]
