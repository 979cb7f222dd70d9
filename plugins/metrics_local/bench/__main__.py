"""`make bench`: every benchmark in turn, each printing its figures and ratios."""

from metrics_local.bench import dbt_runs, ingest

print("== ingestion: 1,000,000-line events file ==")
ingest.main([])
print("\n== dbt: incremental runs and the KPI layer ==")
dbt_runs.main([])
