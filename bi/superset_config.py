"""Superset's configuration for this project (SUPERSET_CONFIG_PATH points here; `make bi` and docker/ both use it).

Every setting a deployment changes comes from the environment; the defaults are for one person on their own machine.
"""

import os

# Sessions and the stored database passwords are signed / encrypted with this key. The default is for a local
# `make bi` only: set SUPERSET_SECRET_KEY (e.g. `openssl rand -base64 42`) anywhere else.
LOCAL_SECRET_KEY = "metrics-warehouse-local-bi-only-not-a-secret"
SECRET_KEY = os.environ.get("SUPERSET_SECRET_KEY") or LOCAL_SECRET_KEY

# Superset's own metadata (users, dashboards, charts): SQLite under SUPERSET_HOME (var/superset) unless a URL is given.
SQLALCHEMY_DATABASE_URI = os.environ.get("SUPERSET_METADATA_URI") or (
    f"sqlite:///{os.path.join(os.environ.get('SUPERSET_HOME', 'var/superset'), 'superset.db')}?check_same_thread=false"
)

# The users are Chinese operations, marketing and product teams: Chinese by default, English one click away.
BABEL_DEFAULT_LOCALE = os.environ.get("METRICS_BI_LOCALE") or "zh"
LANGUAGES = {
    "zh": {"flag": "cn", "name": "简体中文"},
    "en": {"flag": "us", "name": "English"},
}

# Local and team use over plain HTTP behind the deployment's own proxy.
TALISMAN_ENABLED = os.environ.get("TALISMAN_ENABLED", "false").lower() == "true"
SUPERSET_WEBSERVER_TIMEOUT = 120
ROW_LIMIT = 50000
