"""The BI tool (Apache Superset): provisioned from the files in bi/, run from its own virtual environment."""
