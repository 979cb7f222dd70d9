"""Documentation built from the project's own sources (the KPI dictionary)."""
