"""METRICS_ENGINE=spark: the Spark Thrift server's connection, the tables over the lake, publishing kpi to PostgreSQL."""
