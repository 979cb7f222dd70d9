"""Product-operations metrics warehouse: ingestion, quality, alerting and reporting."""
