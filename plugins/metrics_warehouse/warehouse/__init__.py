"""The PostgreSQL warehouse: connections, bootstrap DDL and the embedded server."""
