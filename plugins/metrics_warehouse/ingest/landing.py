"""The landing zone: <root>/<source>/<YYYY-MM-DD delivery date>/<files>.

Discovery never fails on one path: a file it cannot read is still a landing file (marked unreadable, so it gets a
ledger row), and every path that is not a landing file is returned as a `SkippedPath` with its reason.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from metrics_warehouse.contracts import IN_PROGRESS_SUFFIXES, LANDING_SKIP_REASONS, SOURCES, TOOL_FILES
from metrics_warehouse.ingest.values import DATE

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LandingFile:
    source: str
    path: Path
    relpath: str
    delivery_date: date
    sha256: str  # "" when the file could not be read
    size_bytes: int
    unreadable: str | None = None  # why reading failed (permission denied, I/O error)


@dataclass(frozen=True)
class SkippedPath:
    relpath: str
    reason: str


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def relative_name(path: Path, root: Path) -> str:
    """The path below the root as text a database can store: bytes of a name that is not UTF-8 (a GBK name from a
    Windows zip) appear as \\xNN escapes."""
    return os.fsencode(path.relative_to(root).as_posix()).decode("utf-8", "backslashreplace")


def survey_root(root: Path) -> list[SkippedPath]:
    """What sits at the landing root besides the source folders."""
    if not root.is_dir():
        return []
    skipped = []
    for entry in sorted(root.iterdir()):
        reason = _unusable(entry) or ("unknown_source" if entry.is_dir() else "stray_file")
        if entry.name not in {source.folder for source in SOURCES.values()} or not entry.is_dir():
            skipped.append(SkippedPath(relative_name(entry, root), reason))
    return skipped


def discover(root: Path, source: str) -> tuple[list[LandingFile], list[SkippedPath]]:
    """Every file of a source, oldest delivery first, and every path under the source folder that is not one."""
    extensions = SOURCES[source].patterns
    found: list[LandingFile] = []
    skipped: list[SkippedPath] = []
    source_dir = root / SOURCES[source].folder
    if not source_dir.is_dir():
        return found, skipped
    for folder in sorted(source_dir.iterdir()):
        reason = _unusable(folder)
        if reason is None and not folder.is_dir():
            reason = "stray_file"
        if reason is None and not DATE.match(folder.name):
            reason = "not_a_delivery_date"
        if reason is not None:
            skipped.append(SkippedPath(relative_name(folder, root), reason))
            continue
        delivery_date = date.fromisoformat(folder.name)
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and _unusable(path) is None:
                continue
            reason = _unusable(path)
            if reason is None and path.name.endswith(IN_PROGRESS_SUFFIXES):
                reason = "in_progress"
            if reason is None and not path.name.endswith(extensions):
                reason = "wrong_extension"
            if reason is not None:
                if not any(parent.name.startswith(".") for parent in path.relative_to(folder).parents if parent.name):
                    skipped.append(SkippedPath(relative_name(path, root), reason))
                continue
            found.append(_landing_file(source, path, root, delivery_date))
    for one in skipped:
        log.warning("not loading %s: %s", one.relpath, LANDING_SKIP_REASONS[one.reason])
    return found, skipped


def _unusable(path: Path) -> str | None:
    if path.name.startswith("."):
        return "tool_file" if any(fnmatch.fnmatchcase(path.name, tool) for tool in TOOL_FILES) else "hidden"
    if path.is_symlink() and not path.exists():
        return "broken_symlink"
    return None


def _landing_file(source: str, path: Path, root: Path, delivery_date: date) -> LandingFile:
    relpath = relative_name(path, root)
    try:
        return LandingFile(source, path, relpath, delivery_date, sha256_of(path), path.stat().st_size)
    except OSError as error:
        log.warning("cannot read %s: %s", relpath, error)
        return LandingFile(source, path, relpath, delivery_date, "", 0, unreadable=f"{type(error).__name__}: {error}")
