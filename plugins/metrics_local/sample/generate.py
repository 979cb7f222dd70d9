"""generate(): simulate, lay out, dirty, render and write a landing zone; return what was written and planted."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

from tqdm import tqdm

from metrics_local.sample import dirt
from metrics_local.sample.layout import plan
from metrics_local.sample.population import simulate
from metrics_local.sample.problems import Problems
from metrics_local.sample.writers import render, write_manifest, write_tree
from metrics_warehouse.contracts import SOURCE_NAMES

MIN_DAYS = 14  # every kind of dirt needs room for its later re-delivery
NOT_READ = {"rejected", "duplicate_file", "empty"}  # file outcomes that contribute no records


@dataclass(frozen=True)
class Defect:
    """One planted defect and what ingestion must make of it."""

    source: str
    path: str  # relative to the landing root, POSIX separators
    line: int | None  # 1-based physical line where the record starts (CSV: the header is line 1); None: whole file
    record: int | None  # 1-based record number (JSON line; CSV data record after the header); None: whole file
    kind: str  # what was planted, e.g. malformed_json, duplicate_event, gb18030, content_sql
    reason: str | None  # the reason code ingestion must record (quarantine, skip rule or ledger); None: it loads
    # records: quarantined | skipped (blank_line, total_row) | loaded; files: rejected | duplicate_file | empty | loaded
    outcome: str


@dataclass
class Summary:
    out: Path
    seed: int
    days: int
    users: int
    start_date: date
    end_date: date
    clean: bool
    plant: tuple[str, ...]
    files: dict[str, int]  # landing files per source (rejected files and re-delivered copies included)
    records: dict[str, int]  # records ingestion reads per source: files neither rejected, duplicate nor empty
    events: int  # simulated business events (before dirt)
    signups: int
    orders: int
    size_bytes: int
    changed: int  # files whose bytes were (re)written; 0 when the same sample was already there
    defects: list[Defect] = field(default_factory=list)

    @property
    def total_files(self) -> int:
        return sum(self.files.values())

    def expected(self, outcome: str = "quarantined") -> Counter[tuple[str, str]]:
        """How many defects with this outcome each (source, reason) should produce."""
        return Counter((d.source, d.reason or d.kind) for d in self.defects if d.outcome == outcome)

    def expected_loaded(self, source: str) -> int:
        """Records of a source that pass ingestion: read minus quarantined minus skipped."""
        dropped = sum(1 for d in self.defects if d.source == source and d.outcome in ("quarantined", "skipped"))
        return self.records[source] - dropped

    def line(self) -> str:
        per_source = ", ".join(f"{s} {self.files[s]}" for s in SOURCE_NAMES)
        mode = "clean" if self.clean else f"{len(self.defects)} defects planted"
        planted = f", problems: {', '.join(self.plant)}" if self.plant else ""
        return (
            f"sample {self.start_date}..{self.end_date} seed {self.seed}: {self.total_files} files ({per_source}), "
            f"{self.records['events']:,} event lines ({self.events:,} events, {self.signups:,} signups, "
            f"{self.orders:,} orders), {self.records['feedback']:,} feedback, {self.records['surveys']:,} survey, "
            f"{self.records['marketing_spend']:,} spend rows, {self.size_bytes / 1e6:.1f} MB, {mode}{planted}; "
            f"{self.changed} files written to {self.out}"
        )


def generate(
    out: Path,
    *,
    seed: int = 42,
    days: int = 60,
    users: int = 3000,
    end_date: date = date(2026, 11, 15),
    clean: bool = False,
    plant: tuple[str, ...] | list[str] = (),
    progress: bool = True,
) -> Summary:
    """Write a sample landing zone into `out` (same arguments → same bytes) and describe it."""
    problems = Problems.parse(plant)
    if days < MIN_DAYS or users < 50:
        raise ValueError(f"need at least {MIN_DAYS} days and 50 users (got {days} days, {users} users)")
    out = Path(out)
    start = end_date - timedelta(days=days - 1)
    with tqdm(total=days, desc="simulating", unit="day", disable=not progress) as bar:
        world = simulate(seed, start, end_date, users, problems, bar.update)
    files = plan(world, seed)
    if not clean:
        files = dirt.plant(files, seed)
    files = [f for f in files if problems.delivered(f.source, f.delivery, end_date)]
    if len({f.path for f in files}) != len(files):
        raise AssertionError("two planned files share a path")
    rendered = {f.path: (f, render(f)) for f in files}
    with tqdm(total=len(files), desc="writing", unit="file", disable=not progress) as bar:
        changed = write_tree(out, {path: r.data for path, (_, r) in rendered.items()}, bar.update)

    defects, records, counts = [], Counter(), Counter()
    for path, (file, result) in rendered.items():
        counts[file.source] += 1
        if not {t.outcome for t in file.tags} & NOT_READ:
            records[file.source] += result.records
        defects += [Defect(file.source, path, p.line, p.record, p.tag.kind, p.tag.reason, p.tag.outcome)
                    for p in result.placed]  # fmt: skip
    summary = Summary(
        out=out,
        seed=seed,
        days=days,
        users=users,
        start_date=start,
        end_date=end_date,
        clean=clean,
        plant=problems.names,
        files={s: counts[s] for s in SOURCE_NAMES},
        records={s: records[s] for s in SOURCE_NAMES},
        events=len(world.events),
        signups=sum(1 for e in world.events if e.name == "signup"),
        orders=sum(1 for e in world.events if e.name == "purchase"),
        size_bytes=sum(len(r.data) for _, r in rendered.values()),
        changed=changed,
        defects=defects,
    )
    manifest = {k: v for k, v in asdict(summary).items() if k not in ("out", "changed", "files")}
    manifest |= {"start_date": start.isoformat(), "end_date": end_date.isoformat(), "plant": list(summary.plant)}
    manifest |= {"files_per_source": summary.files}
    manifest["files"] = {path: hashlib.sha256(r.data).hexdigest() for path, (_, r) in rendered.items()}
    write_manifest(out, manifest)
    return summary
