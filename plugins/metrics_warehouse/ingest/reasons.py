"""The exceptions a reader raises for a bad record or file; their reason codes are the contract's (contracts.py)."""

from __future__ import annotations

from metrics_warehouse.contracts import FILE_REASONS, RECORD_REASONS, reason_code


class _Rejected(Exception):
    codes: dict[str, str]

    def __init__(self, reason: str, message: str) -> None:
        if reason_code(reason) not in self.codes:
            raise ValueError(f"{reason!r} is not a {type(self).__name__} reason code of the contract")
        super().__init__(reason, message)
        self.reason = reason
        self.message = message


class RecordRejected(_Rejected):
    """One record is bad: it goes to the quarantine, the file goes on."""

    codes = RECORD_REASONS


class FileRejected(_Rejected):
    """The whole file is bad: nothing from it lands."""

    codes = FILE_REASONS
