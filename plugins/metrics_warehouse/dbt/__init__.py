"""The glue between the pipeline and dbt: the manifest, whether a build has anything to do, the Cosmos profile, dbt in
the task's process, and dbt commands started outside the DAG."""
