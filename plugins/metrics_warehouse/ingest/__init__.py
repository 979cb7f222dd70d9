"""Ingestion of the landing zone into raw.* tables, with a ledger and a quarantine."""
