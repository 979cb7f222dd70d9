"""The landing zone: <root>/<source>/<YYYY-MM-DD delivery date>/<files>."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metrics_warehouse.contracts import SOURCES

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LandingFile:
    source: str
    path: Path
    relpath: str
    delivery_date: date
    sha256: str
    size_bytes: int


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def discover(root: Path, source: str) -> list[LandingFile]:
    """Every file of a source, oldest delivery first. Files outside the contract are logged, not loaded."""
    extensions = SOURCES[source].patterns
    found: list[LandingFile] = []
    source_dir = root / SOURCES[source].folder
    if not source_dir.is_dir():
        return found
    for folder in sorted(source_dir.iterdir()):
        try:
            delivery_date = date.fromisoformat(folder.name)
        except ValueError:
            log.warning("ignoring %s: not a YYYY-MM-DD delivery folder", folder)
            continue
        if not folder.is_dir():
            log.warning("ignoring %s: delivery dates must be folders", folder)
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if not path.name.endswith(extensions):
                log.warning("ignoring %s: %s files end with %s", path, source, " or ".join(extensions))
                continue
            found.append(
                LandingFile(
                    source=source,
                    path=path,
                    relpath=path.relative_to(root).as_posix(),
                    delivery_date=delivery_date,
                    sha256=sha256_of(path),
                    size_bytes=path.stat().st_size,
                )
            )
    return found
