"""The fixed list of reasons a record is quarantined or a file rejected (README: Quarantine reasons).

Record reasons may carry a field name after a colon, e.g. `missing_field:event_id`, `bad_number:spend`.
"""

from __future__ import annotations

RECORD_REASONS = {
    "malformed_json": "the line is not valid JSON",
    "not_an_object": "the line is valid JSON but not an object",
    "unsupported_character": "the record holds a NUL character PostgreSQL cannot store",
    "undecodable": "a JSON Lines line whose bytes are not UTF-8",
    "missing_field": "a required field is absent or empty",
    "bad_type": "a field has the wrong JSON type",
    "bad_timestamp": "a timestamp is neither ISO-8601 nor epoch milliseconds",
    "future_event_time": "event_time is more than 1 day after the end of its delivery date",
    "before_min_date": "event_time is before METRICS_MIN_EVENT_DATE",
    "bad_date": "a date is not YYYY-MM-DD",
    "bad_number": "a number cannot be parsed",
    "out_of_range": "a number is outside its allowed range",
    "wrong_field_count": "a CSV record has more or fewer fields than the header",
    "malformed_csv": "a CSV record breaks the quoting rules",
}

FILE_REASONS = {
    "corrupt_gzip": "the gzip stream is truncated or corrupt",
    "undecodable": "the bytes are neither UTF-8 nor GB18030",
    "missing_column": "a required column is missing from the header",
    "unterminated_quote": "a quoted field is never closed",
    "duplicate_column": "a column is named twice in the header",
    "utf16": "UTF-16 text (an Excel 'Unicode text' export), not CSV in UTF-8 or GB18030",
    "unreadable": "the file could not be opened or read (permission denied, I/O error); status unreadable",
    "changed_content": "the path was loaded before with other content; status refused",
}

SKIP_RULES = {
    "blank_line": "an empty line in a JSON Lines file carries no record",
    "total_row": "a spreadsheet total row (合计 / Total) at the end of a spend export",
}


class _Rejected(Exception):
    def __init__(self, reason: str, message: str) -> None:
        super().__init__(reason, message)
        self.reason = reason
        self.message = message


class RecordRejected(_Rejected):
    """One record is bad: it goes to the quarantine, the file goes on."""


class FileRejected(_Rejected):
    """The whole file is bad: nothing from it lands."""
