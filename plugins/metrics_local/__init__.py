"""Local tooling beside the runtime package: the sample generator, benchmarks, scratch databases, the embedded PostgreSQL,
the local Airflow runner and the command line the Makefile calls (`python -m metrics_local <command>`)."""
