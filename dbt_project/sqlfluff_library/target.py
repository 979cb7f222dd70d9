"""sqlfluff's stand-in for dbt's `target` (lint only): the PostgreSQL target that the linted dialect describes."""

type = "postgres"  # noqa: A001 - dbt's attribute name
schema = "public"
