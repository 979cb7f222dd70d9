"""raw.feedback batch: ids present, parseable times, rating 1-5 where given, response not before creation."""

from great_expectations import expectations as gxe

from metrics_warehouse.quality import sql
from metrics_warehouse.quality.raw_batch import raw_batch_suite
from metrics_warehouse.quality.suites import Suite, critical


def build(file_ids: list[int], relation: str | None = None) -> Suite:
    columns = f"""
        r.feedback_id,
        {sql.timestamp_ok("r.created_at")} as created_at_ok,
        {sql.not_a_number("r.rating")} as rating_not_a_number,
        {sql.number("r.rating")} as rating
    """
    return raw_batch_suite(
        "feedback",
        relation,
        file_ids,
        columns,
        [
            critical(
                "feedback_id_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="feedback_id", min_value=1)
            ),
            critical("created_at_parseable", gxe.ExpectColumnValuesToBeInSet(column="created_at_ok", value_set=[True])),
            critical(
                "rating_is_number", gxe.ExpectColumnValuesToBeInSet(column="rating_not_a_number", value_set=[False])
            ),
            critical("rating_1_to_5", gxe.ExpectColumnValuesToBeBetween(column="rating", min_value=1, max_value=5)),
        ],
    )
