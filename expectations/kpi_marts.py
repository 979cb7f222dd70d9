"""Marts and KPI tables after dbt: keys unique after dedupe, known channels, KPI sanity, a reconciled ledger."""

from great_expectations import expectations as gxe

from metrics_warehouse.quality.suites import Asset, Suite, critical

RETENTION_COLUMNS = ("retention_d1", "retention_d7", "retention_d30", "retention_within_7d", "retention_within_30d")

KNOWN_CHANNELS = """
    select channel from seeds.channels
    union select channel from seeds.channel_aliases
    union select unnest(array['organic', 'unmapped'])
"""


def _unique_key(table: str, column: str) -> Asset:
    return Asset(
        name=table.split(".")[1],
        target=table,
        query=None,  # the table itself
        expectations=[
            critical(f"{column}_not_null", gxe.ExpectColumnValuesToNotBeNull(column=column)),
            critical(f"{column}_unique", gxe.ExpectColumnValuesToBeUnique(column=column)),
        ],
        index_columns=(column,),
    )


def build() -> Suite:
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
            _unique_key("marts.fct_events", "event_id"),
            _unique_key("marts.fct_orders", "order_id"),
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
            ),
            Asset(
                "kpi_data_quality",
                "kpi.kpi_data_quality",
                "select delivery_date, source, reconciled from kpi.kpi_data_quality",
                [critical("reconciled", gxe.ExpectColumnValuesToBeInSet(column="reconciled", value_set=[True]))],
                ("delivery_date", "source"),
            ),
        ],
    )
