"""The landing-zone contract, in one place: the sources (folder, file patterns, format), each raw table's columns, and
the reason codes a record is quarantined, skipped or a file rejected with (README: Ingestion rules).

Ingestion, the quality gates, the DAGs, the sample generator and the tests import it; `warehouse/ddl.sql` creates the
raw tables with these columns (a unit test holds them together).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str  # also the landing folder (<root>/<name>/<YYYY-MM-DD>/...) and the raw table (raw.<name>)
    patterns: tuple[str, ...]  # how a landing file's name ends
    format: str  # "jsonl" or "csv"
    columns: tuple[str, ...]  # raw-table columns after (file_id, line_number); CSV: every one is required in the header

    @property
    def folder(self) -> str:
        return self.name

    @property
    def table(self) -> str:
        return f"raw.{self.name}"


SOURCES: dict[str, Source] = {
    source.name: source
    for source in (
        Source(
            "events",
            patterns=(".jsonl", ".jsonl.gz"),
            format="jsonl",
            # event_at: event_time as the loader read it, when that needs no source zone (else null: staging reads it)
            columns=("event_id", "event_name", "event_time", "user_id", "payload", "event_at"),
        ),
        Source(
            "feedback",
            patterns=(".csv",),
            format="csv",
            columns=(
                "feedback_id",
                "user_id",
                "created_at",
                "channel",
                "category",
                "rating",
                "content",
                "status",
                "first_response_at",
                "resolved_at",
            ),
        ),
        Source(
            "surveys",
            patterns=(".csv",),
            format="csv",
            columns=("response_id", "survey_id", "user_id", "submitted_at", "nps_score", "csat_score", "comment"),
        ),
        Source(
            "marketing_spend",
            patterns=(".csv",),
            format="csv",
            columns=("date", "channel", "campaign_id", "campaign_name", "impressions", "clicks", "spend", "currency"),
        ),
        Source("fx_rates", patterns=(".csv",), format="csv", columns=("date", "currency", "rate")),
    )
}
SOURCE_NAMES = tuple(SOURCES)
CSV_EXTRA_COLUMN = "extra"  # CSV raw tables keep columns beyond the contract here (jsonb), as schema drift

# Record reasons may carry the field after a colon: `missing_field:event_id`, `bad_number:spend`.
RECORD_REASONS = {
    "malformed_json": "the line is not valid JSON",
    "not_an_object": "the line is valid JSON but not an object",
    "undecodable": "a JSON Lines line whose bytes are not UTF-8",
    "unsupported_character": "the record holds a NUL character PostgreSQL cannot store",
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
    "unnamed_column": "a CSV record has a value in a column the header gives no name (`unnamed_column:<position>`)",
}

FILE_REASONS = {
    "corrupt_gzip": "the gzip stream is truncated or corrupt",
    "undecodable": "the bytes are neither UTF-8 nor GB18030",
    "missing_column": "a required column is missing from the header",
    "unterminated_quote": "a quoted field is never closed",
    "duplicate_column": "a column is named twice in the header",
    "utf16": "UTF-16 text (an Excel 'Unicode text' export), not CSV in UTF-8 or GB18030",
}

# Why a path under the landing root is not a landing file (ops.landing_skipped; README: Ingestion rules).
LANDING_SKIP_REASONS = {
    "hidden": "a hidden file or folder (name starting with a dot) that is no tool file",
    "tool_file": "a hidden file a tool leaves (TOOL_FILES: .DS_Store, the sample's manifest ...)",
    "broken_symlink": "a symbolic link to nothing",
    "stray_file": "a file outside a <source>/<YYYY-MM-DD>/ folder",
    "unknown_source": "a folder at the landing root that is no source",
    "not_a_delivery_date": "a folder under a source whose name is not a YYYY-MM-DD date",
    "in_progress": "a file still being copied (*.part, *.tmp, ...)",
    "wrong_extension": "a file whose name does not end with its source's pattern",
}
IN_PROGRESS_SUFFIXES = (".part", ".tmp", ".crdownload", ".partial")
SAMPLE_MANIFEST = ".sample.json"  # the sample generator's list of the files it wrote, at the landing root
# Hidden files tools leave in a landing zone (shell patterns of the name): recorded as `tool_file` and never alerted;
# every other hidden path is `hidden`, announced once by the landing_path_hidden alert rule.
TOOL_FILES = (
    ".DS_Store",  # macOS Finder
    "._*",  # macOS resource forks on SMB / NFS shares (AppleDouble)
    ".nfs*",  # NFS: a file deleted while still open
    ".~lock.*#",  # LibreOffice: a file open for editing
    SAMPLE_MANIFEST,
)

SKIP_RULES = {
    "blank_line": "an empty line in a JSON Lines or CSV file carries no record",
    "total_row": "a spreadsheet total row (合计 / Total) at the end of a spend export",
}


def reason_code(reason: str) -> str:
    """The code of a reason without its field: `bad_number:spend` -> `bad_number`."""
    return reason.partition(":")[0]
