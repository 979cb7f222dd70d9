"""raw.fx_rates batch: ISO dates, 3-letter currency codes, positive rates."""

from great_expectations import expectations as gxe

from metrics_warehouse.quality import sql
from metrics_warehouse.quality.raw_batch import raw_batch_suite
from metrics_warehouse.quality.suites import Suite, critical


def build(file_ids: list[int], relation: str | None = None) -> Suite:
    columns = f"""
        {sql.date_ok("r.date")} as date_ok,
        r.currency,
        {sql.number("r.rate")} as rate
    """
    return raw_batch_suite(
        "fx_rates",
        relation,
        file_ids,
        columns,
        [
            critical("date_is_iso_date", gxe.ExpectColumnValuesToBeInSet(column="date_ok", value_set=[True])),
            critical(
                "currency_is_iso_code",
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex="^\\s*[A-Za-z]{3}\\s*$"),
            ),
            critical("rate_is_number", gxe.ExpectColumnValuesToNotBeNull(column="rate")),
            critical(
                "rate_positive_number", gxe.ExpectColumnValuesToBeBetween(column="rate", min_value=0, strict_min=True)
            ),
        ],
        # A handful of rates a day, not every day: a volume ratio would mean nothing.
        volume=None,
    )
