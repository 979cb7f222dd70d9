"""The landing-file cases of landing_files.yml (the format is described there), for the tests that load them."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml


@dataclass(frozen=True)
class FileCase:
    path: str
    content: str
    status: str
    reason: str | None = None
    quarantined: dict[int, str] = field(default_factory=dict)
    keys: list[str] = field(default_factory=list)
    schema_drift: dict | None = None

    @property
    def data(self) -> bytes:
        return self.content.encode()

    @property
    def source(self) -> str:
        return self.path.split("/")[0]


CASES = [
    FileCase(**entry)
    for entry in yaml.safe_load(Path(__file__).with_suffix(".yml").read_text(encoding="utf-8"))["files"]
]
