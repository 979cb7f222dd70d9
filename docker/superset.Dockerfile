# Superset for a team deployment: the same lock file (bi/requirements.lock, apache-superset==6.1.0) and the same
# configuration and dashboard files (bi/) as `make bi`.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    SUPERSET_CONFIG_PATH=/app/bi/superset_config.py \
    SUPERSET_HOME=/app/superset_home \
    FLASK_APP=superset

RUN apt-get update && apt-get install -y --no-install-recommends libpq5 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY bi/requirements.lock bi/requirements.lock
RUN pip install --no-cache-dir uv==0.13.8 && uv pip install --system --no-cache -r bi/requirements.lock
COPY bi bi
# The kpi columns' labels are read from the KPI dictionary's source at import.
COPY dbt_project/models/kpi/*.yml dbt_project/models/kpi/
RUN useradd --create-home --uid 50001 superset && mkdir -p /app/superset_home && chown -R superset /app/superset_home
USER superset
EXPOSE 8088
# Migrate Superset's metadata and (re)import the dashboards from bi/assets, then serve.
CMD ["bash", "-c", "python bi/provision.py import && exec gunicorn --bind 0.0.0.0:8088 --workers 2 --threads 8 --timeout 120 'superset.app:create_app()'"]
