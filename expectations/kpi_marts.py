"""Marts and KPI tables after dbt: keys unique after dedupe (enforced by the tables, checked in the catalog; on Spark,
whose Parquet tables enforce no key, checked over the values), known channels, KPI sanity, a ledger that reconciles
(enforced by its constraint, checked in the catalog)."""

from great_expectations import expectations as gxe
from great_expectations.expectations import Expectation

from metrics_warehouse.quality.suites import Asset, Suite, critical, literal

RETENTION_COLUMNS = ("retention_d1", "retention_d7", "retention_d30", "retention_within_7d", "retention_within_30d")

KNOWN_CHANNELS = """
    select channel from seeds.channels
    union select channel from seeds.channel_aliases
    union select 'organic'
    union select 'unmapped'
"""


def _holds(name: str, flag: str, description: str) -> Expectation:
    """A flag of a catalog query that must be true."""
    return critical(name, gxe.ExpectColumnValuesToBeInSet(column=flag, value_set=[True], description=description))


def _enforced_key(table: str, column: str) -> Asset:
    """A key the table enforces itself on every insert (a unique index on the column alone, and NOT NULL), checked in
    the catalog: its values could never fail a check of the values, which would read the whole table (fct_events'
    history, 11 s at 10M events) on every build. One row, whether or not the table exists."""
    key = f"to_regclass({literal(table)})"
    query = f"""
        select
            coalesce((
                select bool_or(i.indisunique and i.indnatts = 1 and i.indpred is null)
                from pg_index as i
                where i.indrelid = {key} and i.indkey[0] = a.attnum
            ), false) as unique_index,
            coalesce(a.attnotnull, false) as not_null
        from (select 1) as one
        left join pg_attribute as a on a.attrelid = {key} and a.attname = {literal(column)} and not a.attisdropped
    """
    return Asset(
        name=table.split(".")[1],
        target=table,
        query=query,
        expectations=[
            _holds(f"{column}_not_null", "not_null", f"{table}.{column} is declared NOT NULL"),
            _holds(
                f"{column}_unique",
                "unique_index",
                f"{table} has a unique index on {column} alone (a table built before its dbt `indexes` config has "
                "none: rebuild it with --full-refresh)",
            ),
        ],
    )


def _unique_values(table: str, column: str) -> Asset:
    """The same checks as `_enforced_key`, over the values: for a table that enforces no key (Parquet on Spark)."""
    query = f"""
        select count({column}) = count(*) as not_null, count(distinct {column}) = count({column}) as unique_index
        from {table}
    """
    key = _enforced_key(table, column)
    return Asset(name=key.name, target=table, query=query, expectations=key.expectations, reads_models=True)


def _enforced_check(table: str, constraint: str) -> Asset:
    """A check constraint the table enforces on every row (every file's records_read = loaded + quarantined +
    skipped, kpi_data_quality.reconciled), checked in the catalog rather than over the rows it guarantees."""
    query = f"""
        select coalesce(bool_or(c.convalidated), false) as enforced
        from (select 1) as one
        left join pg_constraint as c
            on c.conrelid = to_regclass({literal(table)}) and c.conname = {literal(constraint)} and c.contype = 'c'
    """
    return Asset(
        name=table.split(".")[1],
        target=table,
        query=query,
        expectations=[_holds(constraint, "enforced", f"{table} enforces its constraint {constraint}")],
    )


def build(on_spark: bool = False) -> Suite:
    key = _unique_values if on_spark else _enforced_key
    channels = f"""
        with used as (
            select 'marts.dim_channels' as used_in, channel from marts.dim_channels
            union
            select distinct 'kpi.kpi_channel_daily' as used_in, channel from kpi.kpi_channel_daily
        )
        select used_in, channel, channel in ({KNOWN_CHANNELS}) as channel_known from used
    """
    return Suite(
        name="kpi_marts",
        assets=[
            key("marts.fct_events", "event_id"),
            key("marts.fct_orders", "order_id"),
            Asset(
                "channels",
                "marts.dim_channels, kpi.kpi_channel_daily",
                channels,
                [
                    critical(
                        "channel_in_seed_or_organic_unmapped",
                        gxe.ExpectColumnValuesToBeInSet(column="channel_known", value_set=[True]),
                    )
                ],
                ("used_in", "channel"),
                reads_models=True,
            ),
            Asset(
                "kpi_retention_cohorts",
                "kpi.kpi_retention_cohorts",
                f"select signup_date, {', '.join(RETENTION_COLUMNS)} from kpi.kpi_retention_cohorts",
                [
                    critical(
                        f"{column}_0_to_1", gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=1)
                    )
                    for column in RETENTION_COLUMNS
                ],
                ("signup_date",),
                reads_models=True,
            ),
            Asset(
                "kpi_daily",
                "kpi.kpi_daily",
                "select date, dau, wau, mau from kpi.kpi_daily",
                [
                    critical(
                        "dau_at_most_wau",
                        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="wau", column_B="dau", or_equal=True),
                    ),
                    critical(
                        "wau_at_most_mau",
                        gxe.ExpectColumnPairValuesAToBeGreaterThanB(column_A="mau", column_B="wau", or_equal=True),
                    ),
                ],
                ("date",),
                reads_models=True,
            ),
            _enforced_check("ops.ingest_ledger", "ledger_reconciles"),
        ],
    )
