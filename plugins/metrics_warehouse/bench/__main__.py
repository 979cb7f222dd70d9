"""`make bench`: every benchmark in turn."""

from metrics_warehouse.bench import ingest

ingest.main()
