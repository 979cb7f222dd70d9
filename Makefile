# Product-operations metrics warehouse. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.synced
BI_VENV := .venv-bi
BI_STAMP := $(BI_VENV)/.synced
SPARK_VENV := .venv-spark
SPARK_STAMP := $(SPARK_VENV)/.synced
CHROMIUM := /usr/bin/chromium
JAVA := /usr/bin/java
# What the pipeline's commands need besides .venv: with METRICS_ENGINE=spark, the local Spark cluster's environment.
ENGINE := $(if $(filter spark,$(METRICS_ENGINE)),$(SPARK_STAMP) $(JAVA))
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

.DEFAULT_GOAL := help
.PHONY: help venv sample demo run backfill held release airflow test test-unit soak lint format bench \
        warehouse-start warehouse-stop docs clean lock bi bi-venv bi-export bi-resave bi-lock \
        spark-venv spark-start spark-stop spark-lock

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

$(STAMP): requirements.lock requirements-dev.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip sync --quiet --python $(BIN)/python requirements.lock requirements-dev.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

venv: $(STAMP)  ## create the virtual environment from the runtime and development locks, the project installed editable

# Superset's own environment: its pins (sqlalchemy<2, pandas<2.2) conflict with Airflow's.
$(BI_STAMP): bi/requirements.lock | $(STAMP)
	test -x $(BI_VENV)/bin/python || $(PYTHON) -m venv $(BI_VENV)
	$(BIN)/uv pip sync --quiet --python $(BI_VENV)/bin/python bi/requirements.lock
	touch $(BI_STAMP)

# The dashboard test drives Debian's headless Chromium (no browser download).
$(CHROMIUM):
	$(SUDO) apt-get install -y --no-install-recommends chromium chromium-driver || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends chromium chromium-driver)

# Spark's server side (METRICS_ENGINE=spark): pyspark's jars and launchers, kept out of .venv (the Spark provider's
# pyspark-client clashes with it). Its sdist builds a wheel once (about a minute), then comes from uv's cache.
$(SPARK_STAMP): spark/requirements.lock | $(STAMP)
	test -x $(SPARK_VENV)/bin/python || $(PYTHON) -m venv $(SPARK_VENV)
	$(BIN)/uv pip sync --quiet --python $(SPARK_VENV)/bin/python spark/requirements.lock
	touch $(SPARK_STAMP)

# The local Spark cluster runs on Debian's headless Java 17 (Spark 4 needs 17 or later).
$(JAVA):
	$(SUDO) apt-get install -y --no-install-recommends openjdk-17-jre-headless || \
	  ($(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends openjdk-17-jre-headless)

bi-venv: $(BI_STAMP)  ## create Superset's virtual environment (.venv-bi) from bi/requirements.lock

bi: $(STAMP) $(BI_STAMP)  ## Superset with the dashboards on http://127.0.0.1:8088 (METRICS_BI_PORT), as the read-only BI role
	$(BIN)/python -m metrics_local bi

bi-export: $(STAMP) $(BI_STAMP)  ## write the dashboards as edited in Superset back to bi/assets
	$(BIN)/python -m metrics_local bi export

bi-resave: $(STAMP) $(BI_STAMP) $(CHROMIUM)  ## save every chart again in Superset's Explore (headless), then bi-export: rebuilds each chart's query context
	$(BIN)/python -m metrics_local bi resave

bi-lock: $(STAMP)  ## re-resolve bi/requirements.in into bi/requirements.lock
	$(BIN)/uv pip compile --quiet bi/requirements.in -o bi/requirements.lock --python-version 3.11

spark-venv: $(SPARK_STAMP)  ## create Spark's virtual environment (.venv-spark) from spark/requirements.lock

spark-lock: $(STAMP)  ## re-resolve spark/requirements.in into spark/requirements.lock
	$(BIN)/uv pip compile --quiet spark/requirements.in -o spark/requirements.lock --python-version 3.11

lock: $(STAMP)  ## re-resolve requirements.in (runtime) and requirements-dev.in (tooling, within the runtime pins)
	$(BIN)/uv pip compile --quiet requirements.in -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile --quiet requirements-dev.in -o requirements-dev.lock --python-version 3.11

sample: $(STAMP)  ## generate the sample landing zone into METRICS_LANDING_DIR (default data/landing)
	$(BIN)/python -m metrics_local.sample

demo: $(STAMP) $(ENGINE)  ## sample data + embedded PostgreSQL + the real Airflow DAGs + KPI summary
	$(BIN)/python -m metrics_local demo

run: $(STAMP) $(ENGINE)  ## process what is new in METRICS_LANDING_DIR into METRICS_WAREHOUSE_URL
	$(BIN)/python -m metrics_local run

backfill: $(STAMP) $(ENGINE)  ## rebuild the incremental facts for START..END (dates)
	$(BIN)/python -m metrics_local backfill --start "$(START)" --end "$(END)"

held: $(STAMP)  ## the files the raw quality gate held back from the marts, with the checks they failed
	$(BIN)/python -m metrics_local held

release: $(STAMP)  ## let a held file into the marts with the next run: make release FILE=<path as `make held` lists it> REASON="why"
	$(BIN)/python -m metrics_local release "$(FILE)" --reason "$(REASON)"

airflow: $(STAMP) $(ENGINE)  ## the Airflow UI on http://localhost:8080 with the project's DAGs
	$(BIN)/python -m metrics_local airflow

warehouse-start: $(STAMP)  ## start the embedded PostgreSQL (var/pgdata) and print its URL
	$(BIN)/python -m metrics_local warehouse start

warehouse-stop: $(STAMP)  ## stop the embedded PostgreSQL
	$(BIN)/python -m metrics_local warehouse stop

spark-start: $(STAMP) $(SPARK_STAMP) $(JAVA)  ## start the local Spark cluster (master, 2 workers, Thrift server; var/spark) and print its Thrift URL
	$(BIN)/python -m metrics_local spark start

spark-stop: $(STAMP)  ## stop the local Spark cluster
	$(BIN)/python -m metrics_local spark stop

lint: $(STAMP)  ## ruff (with Airflow AIR rules) and sqlfluff (no database: macros are linted where models use them)
	$(BIN)/ruff check plugins dags tests expectations bi
	$(BIN)/ruff format --check plugins dags tests expectations bi
	$(BIN)/sqlfluff lint dbt_project/models dbt_project/tests

format: $(STAMP)  ## apply ruff's formatter and fixes
	$(BIN)/ruff format plugins dags tests expectations bi
	$(BIN)/ruff check --fix plugins dags tests expectations bi

# Two workers (pytest-xdist); tests/conftest.py keeps the tests that share a pipeline run on one of them. Java is not a
# prerequisite: the Spark tests ask make for it and skip, saying why, when it cannot be had.
test: $(STAMP) $(BI_STAMP) $(SPARK_STAMP) $(CHROMIUM) lint  ## lint, then the whole test suite (unit, integration, e2e) on two workers
	$(BIN)/python -m pytest --numprocesses 2

soak: $(STAMP)  ## fault trials: 200 ingestion kills and 50 whole-run kills at seeded random moments, each then rerun
	METRICS_FAULT_TRIALS=$${METRICS_FAULT_TRIALS:-200} METRICS_RUN_KILLS=$${METRICS_RUN_KILLS:-50} \
	  $(BIN)/python -m pytest tests/integration/test_faults.py tests/e2e/test_run_faults.py

test-unit: $(STAMP)  ## fast tests only (no database)
	$(BIN)/python -m pytest tests/unit

docs: $(STAMP)  ## KPI dictionary (docs/kpi_dictionary.md) and the dbt docs site (var/docs/index.html)
	$(BIN)/python -m metrics_local docs

bench: $(STAMP)  ## benchmarks: prints figures and ratios
	$(BIN)/python -m metrics_local.bench

clean:  ## remove generated data, the embedded server's data and build output
	-$(BIN)/python -m metrics_local warehouse stop
	-$(BIN)/python -m metrics_local spark stop
	rm -rf var data dbt_project/target dbt_project/logs
