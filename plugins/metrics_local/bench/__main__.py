"""`make bench`: every benchmark in turn, each printing its figures and ratios; all of them in var/bench/summary.json."""

from metrics_local.bench import dbt_runs, ingest, runs, summary

NOT_MEASURED = {"e2e_10m_s": "no end-to-end benchmark at 10M events yet (ingest, dbt, gates and report in one run)"}

figures: dict[str, float] = {}
print("== ingestion: 1,000,000-line events file ==")
figures |= ingest.main([])
summary.write(figures, NOT_MEASURED)
print("\n== pipeline runs at demo scale ==")
figures |= runs.main([])
summary.write(figures, NOT_MEASURED)
print("\n== dbt: daily runs, the KPI layer and BI queries ==")
figures |= dbt_runs.main([])
print(f"\nfigures written to {summary.write(figures, NOT_MEASURED)}")
