"""raw.events batch: required fields, parseable event times, JSON objects, money on purchases and refunds."""

from great_expectations import expectations as gxe

from metrics_warehouse.quality import sql
from metrics_warehouse.quality.raw_batch import raw_batch_suite
from metrics_warehouse.quality.suites import Suite, critical, warning

MONEY_EVENTS = "('purchase', 'refund')"


def build(file_ids: list[int], relation: str | None = None) -> Suite:
    amount = "r.payload -> 'properties' ->> 'amount'"
    columns = f"""
        r.event_id,
        r.event_name,
        -- event_at: the loader's reading, when it needed no source zone
        case when r.event_at is not null then true else {sql.timestamp_ok("r.event_time")} end as event_time_ok,
        jsonb_typeof(r.payload) as payload_type,
        case when r.event_name in {MONEY_EVENTS} then
            {sql.not_a_number(amount)} or {sql.blank(amount)}
        end as amount_missing_or_not_a_number,
        case when r.event_name in {MONEY_EVENTS} then {sql.number(amount)} end as amount,
        case when r.event_name in {MONEY_EVENTS} then
            coalesce(r.payload -> 'properties' ->> 'order_id', '') = ''
        end as order_id_missing,
        case when r.event_name in {MONEY_EVENTS} then r.payload -> 'properties' ->> 'currency' end as currency
    """
    return raw_batch_suite(
        "events",
        relation,
        file_ids,
        columns,
        [
            critical("event_id_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="event_id", min_value=1)),
            critical("event_name_not_null", gxe.ExpectColumnValueLengthsToBeBetween(column="event_name", min_value=1)),
            critical("event_time_parseable", gxe.ExpectColumnValuesToBeInSet(column="event_time_ok", value_set=[True])),
            critical("payload_is_object", gxe.ExpectColumnValuesToBeInSet(column="payload_type", value_set=["object"])),
            critical(
                "purchase_refund_amount_is_number",
                gxe.ExpectColumnValuesToBeInSet(column="amount_missing_or_not_a_number", value_set=[False]),
            ),
            warning(
                "purchase_refund_amount_not_negative", gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0)
            ),
            warning(
                "purchase_refund_has_order_id",
                gxe.ExpectColumnValuesToBeInSet(column="order_id_missing", value_set=[False]),
            ),
            warning(
                "purchase_refund_currency_is_iso_code",
                gxe.ExpectColumnValuesToMatchRegex(column="currency", regex="^\\s*[A-Za-z]{3}\\s*$"),
            ),
        ],
    )
