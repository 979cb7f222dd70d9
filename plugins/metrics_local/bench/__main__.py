"""`make bench`: every benchmark in turn, each printing its figures and ratios; all of them in var/bench/summary.json."""

from metrics_local.bench import dbt_runs, e2e, ingest, runs, summary

figures: dict[str, float] = {}
print("== ingestion: 1,000,000-line events file ==")
figures |= ingest.main([])
summary.write(figures)
print("\n== pipeline runs at demo scale ==")
figures |= runs.main([])
summary.write(figures)
print("\n== dbt: daily runs, the KPI layer and BI queries ==")
figures |= dbt_runs.main([])
summary.write(figures)
print("\n== 10M events end to end ==")
figures |= e2e.main([])
print(f"\nfigures written to {summary.write(figures)}")
