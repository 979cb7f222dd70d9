"""Data-quality gates: Great Expectations suites run on each raw batch and on the KPI marts."""
