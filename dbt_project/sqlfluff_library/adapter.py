"""sqlfluff's stand-in for dbt's `adapter` (lint only; dbt itself never reads this folder).

`adapter.dispatch('name')` renders the project's `postgres__name` macro, else `default__name`: the SQL that
sqlfluff's postgres dialect lints is the SQL PostgreSQL runs.
"""

from jinja2 import pass_context
from jinja2.utils import missing


@pass_context
def dispatch(context, macro_name, macro_namespace=None):
    for prefix in ("postgres__", "default__"):
        macro = context.resolve_or_missing(prefix + macro_name)
        if macro is not missing:
            return macro
    raise LookupError(f"no postgres__{macro_name} or default__{macro_name} macro")
