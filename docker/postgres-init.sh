#!/usr/bin/env bash
# Databases and roles of the team deployment (runs once, when the PostgreSQL volume is new).
set -euo pipefail
psql -v ON_ERROR_STOP=1 --username postgres <<SQL
create role airflow login password '${AIRFLOW_DB_PASSWORD}';
create database airflow owner airflow;
create role metrics login password '${WAREHOUSE_PASSWORD}';
create database metrics owner metrics;
create role superset login password '${SUPERSET_DB_PASSWORD}';
create database superset owner superset;
create role metrics_bi login password '${METRICS_BI_PASSWORD}';
SQL
