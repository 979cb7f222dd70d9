# Product-operations metrics warehouse. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
export AIRFLOW_HOME ?= $(CURDIR)/var/airflow

.DEFAULT_GOAL := help
.PHONY: help venv sample demo run backfill airflow test test-unit lint format docs bench \
        warehouse-start warehouse-stop clean lock

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)  ## create the virtual environment from the runtime and development locks, the project installed editable

lock: $(STAMP)  ## re-resolve requirements.in (runtime) and requirements-dev.in (tooling, within the runtime pins)
	$(BIN)/uv pip compile --quiet requirements.in -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile --quiet requirements-dev.in -o requirements-dev.lock --python-version 3.11

sample: $(STAMP)  ## generate the sample landing zone into METRICS_LANDING_DIR (default data/landing)
	$(BIN)/python -m metrics_local.sample

demo: $(STAMP)  ## sample data + embedded PostgreSQL + the real Airflow DAGs + KPI summary
	$(BIN)/python -m metrics_local demo

run: $(STAMP)  ## process what is new in METRICS_LANDING_DIR into METRICS_WAREHOUSE_URL
	$(BIN)/python -m metrics_local run

backfill: $(STAMP)  ## rebuild the incremental facts for START..END (dates)
	$(BIN)/python -m metrics_local backfill --start "$(START)" --end "$(END)"

airflow: $(STAMP)  ## the Airflow UI on http://localhost:8080 with the project's DAGs
	$(BIN)/python -m metrics_local airflow

warehouse-start: $(STAMP)  ## start the embedded PostgreSQL (var/pgdata) and print its URL
	$(BIN)/python -m metrics_local warehouse start

warehouse-stop: $(STAMP)  ## stop the embedded PostgreSQL
	$(BIN)/python -m metrics_local warehouse stop

lint: $(STAMP)  ## ruff (with Airflow AIR rules) and sqlfluff (no database: macros are linted where models use them)
	$(BIN)/ruff check plugins dags tests expectations
	$(BIN)/ruff format --check plugins dags tests expectations
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

format: $(STAMP)  ## apply ruff's formatter and fixes
	$(BIN)/ruff format plugins dags tests expectations
	$(BIN)/ruff check --fix plugins dags tests expectations

test: $(STAMP) lint  ## lint, then the whole test suite (unit, integration, e2e)
	$(BIN)/python -m pytest

test-unit: $(STAMP)  ## fast tests only (no database)
	$(BIN)/python -m pytest tests/unit

docs: $(STAMP)  ## KPI dictionary (docs/kpi_dictionary.md) and the dbt docs site (var/docs/index.html)
	$(BIN)/python -m metrics_local docs

bench: $(STAMP)  ## benchmarks: prints figures and ratios
	$(BIN)/python -m metrics_local.bench

clean:  ## remove generated data, the embedded server's data and build output
	-$(BIN)/python -m metrics_local warehouse stop
	rm -rf var data dbt_project/target dbt_project/logs
