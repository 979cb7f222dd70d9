"""The KPI report (HTML with charts) and the short summary `make demo` prints."""
