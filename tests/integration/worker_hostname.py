"""`[core] hostname_callable` for the Celery test: two workers on one machine, each reporting its own name.

A task instance records the hostname of the worker that ran it; both test workers run on this machine, so each is
started with MW_WORKER_NAME and this callable (imported by Airflow in the worker's task process) returns it. The other
components (scheduler, DAG processor, API server) keep the machine's name.
"""

import os
import socket


def hostname() -> str:
    return os.environ.get("MW_WORKER_NAME") or socket.getfqdn()
