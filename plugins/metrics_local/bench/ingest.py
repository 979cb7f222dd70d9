"""Ingestion benchmark: the project's loader against the references a user would reach for.

Each contender runs in a child process so its peak RSS is its own. Figures: rows/s, MB/s (of its input file), peak
RSS, and ratios. Besides jsonb COPY of the raw lines (the issue's reference, into an unlogged table), the same COPY into
a logged table, and the ceiling of any loader into raw.events: the loader's own rows, made beforehand, COPYed with no
Python parsing. The loader and these references run in alternating rounds; the ratios are of their median rounds.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from metrics_local.bench.memory import peak_rss_kb
from metrics_local.scratch import scratch_database, server
from metrics_warehouse.settings import BENCH_SERVER_URL, VAR_DIR

DELIVERY = "2026-11-15"  # the bench file's last event day: no event is "future"


@dataclass
class Figure:
    name: str
    rows: int
    seconds: float
    megabytes: float
    peak_rss_mb: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds

    @property
    def mb_per_second(self) -> float:
        return self.megabytes / self.seconds


def _slice(source: Path, lines: int, target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, target.open("wb") as dst:
        dst.writelines(itertools.islice(src, lines))
    return target


def _split(source: Path, files: int, lines: int, folder: Path) -> Path:
    """The source's first `lines` lines as `files` files of a delivery folder (of its own: nothing else is in it)."""
    if not folder.exists():
        folder.mkdir(parents=True)
        with source.open("rb") as src:
            for part in range(files):
                with (folder / f"part-{part}.jsonl").open("wb") as dst:
                    dst.writelines(itertools.islice(src, lines // files))
    return folder


def _valid_only(source: Path, target: Path) -> Path:
    """The JSON-object lines of a file: jsonb COPY (and the slow references) cannot take the planted bad lines."""
    import orjson

    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with source.open("rb") as src, target.open("wb") as dst:
        for line in src:
            try:
                if isinstance(orjson.loads(line), dict) and b"\\u0000" not in line:
                    dst.write(line)
            except orjson.JSONDecodeError:
                continue
    return target


# --- contenders (run in a child process: `python -m metrics_local.bench.ingest --contender NAME FILE URL`) ---


def _project_loader(path: Path, url: str, workers: int | None = None) -> int:
    """`path`: one landing file, or a delivery folder of several (loaded `workers` at a time; unset: the default)."""
    from metrics_warehouse.ingest.runner import ingest_source
    from metrics_warehouse.settings import load_settings

    env = {"METRICS_LANDING_DIR": str(path.parents[1] if path.is_dir() else path.parents[2])}
    if workers is not None:
        env["METRICS_INGEST_WORKERS"] = str(workers)
    results = ingest_source(url, load_settings(env), "events", "bench")
    assert all(result.status == "loaded" for result in results), results
    return sum(result.records_read for result in results)


def _jsonb_copy(path: Path, url: str, logged: bool = False) -> int:
    """The issue's reference: the raw lines COPYed into a jsonb column of an unlogged table (no WAL, no key); `logged`:
    into a durable table, as raw.events is."""
    import psycopg

    rows = 0
    with psycopg.connect(url) as conn:
        conn.execute(f"create {'' if logged else 'unlogged'} table if not exists bench_jsonb (payload jsonb)")
        with path.open("rb") as handle, conn.cursor().copy("copy bench_jsonb (payload) from stdin") as copy:
            while chunk := handle.read(1 << 20):
                rows += chunk.count(b"\n")
                copy.write(chunk.replace(b"\\", b"\\\\"))
    return rows


def _loader_rows(source: Path, target: Path) -> Path:
    """The loader's own binary COPY data for `source` (file_id 1), untimed: what the server is sent. Made on every
    bench, unlike the input files: it follows the loader's code, and a copy kept from older code would misstate it."""
    from datetime import date

    from metrics_warehouse.ingest import events
    from metrics_warehouse.ingest.records import ReadContext
    from metrics_warehouse.settings import load_settings

    target.parent.mkdir(parents=True, exist_ok=True)
    context = ReadContext.for_delivery(load_settings({}), date.fromisoformat(DELIVERY))
    with target.open("wb") as out:
        for block in events.read(source, context, 1)[1]:
            out.write(block.copy_data)
    return target


def _raw_events_copy(path: Path, url: str) -> int:
    """The ceiling of any loader into raw.events: the loader's rows, already made, COPYed with no parsing in Python
    (the server's work alone: typed columns, jsonb, the key, the WAL)."""
    import psycopg

    from metrics_warehouse.ingest import events
    from metrics_warehouse.ingest.loader import copy_statement

    statement = copy_statement(events.TABLE, events.COLUMNS, events.COPY_FORMAT)
    with psycopg.connect(url) as conn, conn.cursor() as cursor, path.open("rb") as handle:
        with cursor.copy(statement) as copy:
            while chunk := handle.read(1 << 20):
                copy.write(chunk)
        return cursor.rowcount


def _pandas_to_sql(path: Path, url: str) -> int:
    import pandas as pd
    import sqlalchemy

    from metrics_warehouse.warehouse.connection import sqlalchemy_url

    frame = pd.read_json(path, lines=True)
    frame = frame.map(lambda v: json.dumps(v) if isinstance(v, dict | list) else v)
    engine = sqlalchemy.create_engine(sqlalchemy_url(url))
    frame.to_sql("bench_pandas", engine, if_exists="replace", index=False, method="multi", chunksize=1000)
    return len(frame)


def _dlt_credentials(url: str) -> dict:
    from psycopg.conninfo import conninfo_to_dict

    params = conninfo_to_dict(url)
    return {
        "host": params.get("host", "127.0.0.1"),
        "port": int(params.get("port", 5432)),
        "username": params.get("user", "postgres"),
        "password": params.get("password") or "unused-with-trust-auth",  # dlt insists on a password
        "database": params["dbname"],
    }


def _dlt(path: Path, url: str) -> int:
    import dlt
    import orjson

    os.environ["RUNTIME__LOG_LEVEL"] = "WARNING"
    os.environ["DLT_DATA_DIR"] = str(VAR_DIR / "bench" / "dlt")

    def lines():
        with path.open("rb") as handle:
            for line in handle:
                yield orjson.loads(line)

    pipeline = dlt.pipeline(
        pipeline_name="bench_dlt",
        destination=dlt.destinations.postgres(credentials=_dlt_credentials(url)),
        dataset_name="bench_dlt",
        pipelines_dir=str(VAR_DIR / "bench" / "dlt_pipelines"),
    )
    pipeline.run(lines(), table_name="events", write_disposition="append")
    return sum(1 for _ in path.open("rb"))


CONTENDERS = {
    "loader": _project_loader,
    "jsonb_copy": _jsonb_copy,
    "jsonb_copy_logged": lambda path, url: _jsonb_copy(path, url, logged=True),
    "raw_events_copy": _raw_events_copy,
    "pandas": _pandas_to_sql,
    "dlt": _dlt,
    "files_pool": _project_loader,
    "files_1_worker": lambda path, url: _project_loader(path, url, workers=1),
}


def _measure(name: str, path: Path, url: str) -> Figure:
    output = subprocess.run(
        [sys.executable, "-m", "metrics_local.bench.ingest", "--contender", name, str(path), url],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    rows, seconds, peak_kb = output.split()[-3:]
    size = sum(file.stat().st_size for file in path.iterdir()) if path.is_dir() else path.stat().st_size
    return Figure(name, int(rows), float(seconds), size / 1e6, int(peak_kb) / 1024)


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--slow-lines", type=int, default=100_000, help="slice for pandas and dlt")
    parser.add_argument("--files", type=int, default=4, help="the several-files case: the big file's lines in N files")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the loader and its references, alternated")
    parser.add_argument("--contender", nargs=3, metavar=("NAME", "FILE", "URL"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.contender:
        name, file, url = args.contender
        started = time.perf_counter()  # timed in the child: interpreter start-up is not the contender's cost
        rows = CONTENDERS[name](Path(file), url)
        print(rows, time.perf_counter() - started, peak_rss_kb())
        return {}
    from metrics_local.sample.bench import write_bench_events

    root = VAR_DIR / "bench"
    big = root / "landing" / "events" / DELIVERY / f"events-{args.lines}.jsonl"
    if not big.exists():
        big.parent.mkdir(parents=True, exist_ok=True)
        write_bench_events(big, args.lines)
    valid = _valid_only(big, root / "valid" / big.name)
    small = _slice(valid, args.slow_lines, root / "slice" / "events" / DELIVERY / "slice.jsonl")
    several = _split(
        big, args.files, args.lines, root / f"files-{args.files}x{args.lines // args.files}" / "events" / DELIVERY
    )
    rows = _loader_rows(big, root / "loader_rows" / f"{big.stem}.pgcopy")
    # The loader and its references in alternation, so that a slow moment of the machine (a checkpoint, another
    # process) does not fall on one of them only; each one's figure is its median round.
    compared = (("jsonb_copy", valid), ("jsonb_copy_logged", valid), ("raw_events_copy", rows), ("loader", big))
    contenders = [*compared * args.rounds, ("pandas", small), ("dlt", small)]
    contenders += [("files_pool", several), ("files_1_worker", several)]
    figures = []
    with server(BENCH_SERVER_URL) as server_url:
        for name, path in contenders:
            with scratch_database(server_url, f"mw_bench_{name}") as url:
                figures.append(_measure(name, path, url))
                print(f"  measured {name}: {figures[-1].rows_per_second:,.0f} rows/s", file=sys.stderr)
    return report(figures)


def medians(figures: list[Figure]) -> dict[str, Figure]:
    """Each contender's median figure by rows/s (its only one when it ran once)."""
    rounds: dict[str, list[Figure]] = {}
    for figure in figures:
        rounds.setdefault(figure.name, []).append(figure)
    return {name: sorted(runs, key=lambda f: f.rows_per_second)[len(runs) // 2] for name, runs in rounds.items()}


def report(figures: list[Figure]) -> dict[str, float]:
    """Every measurement, then the ratios of the median figures."""
    print(f"\n{'contender':<18}{'rows':>10}{'seconds':>10}{'rows/s':>12}{'MB/s':>8}{'peak RSS MB':>13}")
    for f in figures:
        print(
            f"{f.name:<18}{f.rows:>10}{f.seconds:>10.1f}{f.rows_per_second:>12,.0f}{f.mb_per_second:>8.1f}{f.peak_rss_mb:>13.0f}"
        )
    by_name = medians(figures)
    loader = by_name["loader"].rows_per_second
    jsonb, logged, ceiling = (
        by_name[name].rows_per_second for name in ("jsonb_copy", "jsonb_copy_logged", "raw_events_copy")
    )
    print(f"\nratios (rows/s; median of {sum(f.name == 'loader' for f in figures)} rounds where run more than once):")
    print(f"  loader / jsonb COPY                  {loader / jsonb:6.2f}   (goal >= 0.90)")
    print(f"  loader / jsonb COPY, logged table    {loader / logged:6.2f}")
    print(f"  loader / its rows' COPY (ceiling)    {loader / ceiling:6.2f}   (the server's share alone)")
    print(
        f"  ceiling / jsonb COPY                 {ceiling / jsonb:6.2f}   (the most any loader into raw.events reaches)"
    )
    print(f"  loader / pandas                      {loader / by_name['pandas'].rows_per_second:6.1f}x  (goal >= 20x)")
    print(f"  loader / dlt                         {loader / by_name['dlt'].rows_per_second:6.1f}x  (goal >= 10x)")
    print(f"  loader peak RSS                      {by_name['loader'].peak_rss_mb:6.0f} MB (goal <= 300 MB)")
    pool, one = by_name["files_pool"], by_name["files_1_worker"]
    print(
        f"  several files                        {one.seconds / pool.seconds:6.2f}x  ({one.rows:,} lines: {pool.seconds:.1f} s "
        f"with METRICS_INGEST_WORKERS at its default, {one.seconds:.1f} s with 1; peak RSS {pool.peak_rss_mb:.0f} MB)"
    )
    return {
        "files_pool_s": pool.seconds,
        "files_1_worker_s": one.seconds,
        "files_pool_speedup": one.seconds / pool.seconds,
        "files_pool_peak_rss_mb": pool.peak_rss_mb,
        "loader_rows_per_s": loader,
        "jsonb_copy_rows_per_s": jsonb,
        "jsonb_copy_logged_rows_per_s": logged,
        "raw_events_copy_rows_per_s": ceiling,
        "loader_vs_jsonb_copy": loader / jsonb,
        "loader_vs_jsonb_copy_logged": loader / logged,
        "loader_vs_raw_events_copy": loader / ceiling,
        "raw_events_copy_vs_jsonb_copy": ceiling / jsonb,
        "loader_peak_rss_mb": by_name["loader"].peak_rss_mb,
        "loader_vs_pandas": loader / by_name["pandas"].rows_per_second,
        "loader_vs_dlt": loader / by_name["dlt"].rows_per_second,
    }


if __name__ == "__main__":
    main()
