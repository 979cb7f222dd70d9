"""raw.surveys batch: ids present, NPS 0-10 and CSAT 1-5 where answered, parseable submission times."""

from great_expectations import expectations as gxe

from metrics_warehouse.quality import sql
from metrics_warehouse.quality.raw_batch import raw_batch_suite
from metrics_warehouse.quality.suites import Suite, critical


def build(file_ids: list[int], relation: str | None = None) -> Suite:
    columns = f"""
        r.response_id,
        r.survey_id,
        {sql.timestamp_ok("r.submitted_at")} as submitted_at_ok,
        {sql.not_a_number("r.nps_score")} or {sql.not_a_number("r.csat_score")} as score_not_a_number,
        {sql.number("r.nps_score")} as nps_score,
        {sql.number("r.csat_score")} as csat_score
    """
    return raw_batch_suite(
        "surveys",
        relation,
        file_ids,
        columns,
        [
            critical(
                "response_id_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="response_id", min_value=1)
            ),
            critical("survey_id_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="survey_id", min_value=1)),
            critical(
                "submitted_at_parseable", gxe.ExpectColumnValuesToBeInSet(column="submitted_at_ok", value_set=[True])
            ),
            critical(
                "scores_are_numbers", gxe.ExpectColumnValuesToBeInSet(column="score_not_a_number", value_set=[False])
            ),
            critical(
                "nps_score_0_to_10",
                gxe.ExpectColumnValuesToBeBetween(column="nps_score", min_value=0, max_value=10),
            ),
            critical(
                "csat_score_1_to_5",
                gxe.ExpectColumnValuesToBeBetween(column="csat_score", min_value=1, max_value=5),
            ),
        ],
    )
