"""raw.marketing_spend batch: keys present, numbers parseable, spend >= 0, clicks <= impressions."""

from great_expectations import expectations as gxe

from metrics_warehouse.quality import sql
from metrics_warehouse.quality.raw_batch import raw_batch_suite
from metrics_warehouse.quality.suites import Suite, critical, warning


def build(file_ids: list[int], relation: str | None = None) -> Suite:
    columns = f"""
        r.channel,
        r.campaign_id,
        {sql.date_ok("r.date")} as date_ok,
        {sql.not_a_number("r.spend")} or {sql.blank("r.spend")} as spend_missing_or_not_a_number,
        {sql.not_a_number("r.impressions")} or {sql.not_a_number("r.clicks")} as counts_not_numbers,
        {sql.number("r.spend")} as spend,
        {sql.number("r.impressions")} as impressions,
        {sql.number("r.clicks")} as clicks,
        r.currency
    """
    return raw_batch_suite(
        "marketing_spend",
        relation,
        file_ids,
        columns,
        [
            critical("channel_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="channel", min_value=1)),
            critical(
                "campaign_id_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="campaign_id", min_value=1)
            ),
            critical("date_is_iso_date", gxe.ExpectColumnValuesToBeInSet(column="date_ok", value_set=[True])),
            critical(
                "spend_is_number",
                gxe.ExpectColumnValuesToBeInSet(column="spend_missing_or_not_a_number", value_set=[False]),
            ),
            critical(
                "impressions_clicks_are_numbers",
                gxe.ExpectColumnValuesToBeInSet(column="counts_not_numbers", value_set=[False]),
            ),
            critical("spend_not_negative", gxe.ExpectColumnValuesToBeBetween(column="spend", min_value=0)),
            critical("impressions_not_negative", gxe.ExpectColumnValuesToBeBetween(column="impressions", min_value=0)),
            critical("clicks_not_negative", gxe.ExpectColumnValuesToBeBetween(column="clicks", min_value=0)),
            warning(
                "clicks_at_most_impressions",
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A="impressions", column_B="clicks", or_equal=True, ignore_row_if="either_value_is_missing"
                ),
            ),
            warning(
                "currency_is_iso_code",
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex="^\\s*[A-Za-z]{3}\\s*$"),
            ),
        ],
    )
