"""sqlfluff's stand-in for dbt's `target`: the SQL linted is PostgreSQL's."""

type = "postgres"
