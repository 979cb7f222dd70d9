"""The parts every raw-batch suite shares: the batch's rows, its ledger reconciliation and its volume."""

from __future__ import annotations

from dataclasses import dataclass

from great_expectations import expectations as gxe

from metrics_warehouse.quality.suites import Asset, Suite, critical, literal, warning

VOLUME_CHECK = "volume_vs_trailing_median"


@dataclass(frozen=True)
class VolumeBounds:
    """Records loaded on a delivery date, as a ratio of the median of the 7 delivery dates before it.

    Not judged while fewer than `min_history` earlier delivery dates exist or their median is below `min_baseline`
    records (small sources are too noisy for a ratio).
    """

    min_ratio: float = 0.7
    max_ratio: float = 3.0
    min_history: int = 3
    min_baseline: int = 50


def raw_batch_suite(
    source: str,
    relation: str | None,
    file_ids: list[int],
    columns: str,
    row_expectations: list,
    volume: VolumeBounds | None = VolumeBounds(),
) -> Suite:
    """A suite over the rows of raw.<source> in the files `file_ids` (ops.ingest_ledger), read from `relation` when
    given (a table shaped like raw.<source>: the batch staged from the lake, METRICS_ENGINE=spark).

    `columns` is the select list over `r` (the raw row); the batch adds delivery_date, file_id and line_number,
    which identify failing rows.
    """
    relation = relation or f"raw.{source}"
    ids = ",".join(str(int(file_id)) for file_id in file_ids)
    batch = f"l.file_id = any('{{{ids}}}'::bigint[]) and l.source = {literal(source)} and not l.is_copy"
    rows = f"""
        select l.delivery_date, r.file_id, r.line_number, {columns}
        from {relation} as r
        inner join ops.ingest_ledger as l on l.file_id = r.file_id
        where {batch}
    """
    ledger = f"""
        select
            l.delivery_date,
            l.file_id,
            l.path,
            (select count(*) from {relation} as r where r.file_id = l.file_id) - l.records_loaded
                as raw_rows_minus_loaded,
            (select count(*) from ops.quarantine as q where q.file_id = l.file_id) - l.records_quarantined
                as quarantine_rows_minus_quarantined
        from ops.ingest_ledger as l
        where {batch}
    """
    assets = [
        Asset(
            "rows",
            f"raw.{source}",
            rows,
            row_expectations,
            ("delivery_date", "file_id", "line_number"),
            work_split="line_number",
        ),
        # A work table too: GX runs an asset's query once per metric, and this one counts each file's raw rows.
        Asset(
            "ledger",
            "ops.ingest_ledger",
            ledger,
            _reconciled(),
            ("delivery_date", "file_id", "path"),
            work_split="file_id",
        ),
    ]
    if volume is not None:
        assets.append(
            Asset(
                "volume",
                "ops.ingest_ledger",
                _volume_query(source, batch, volume),
                [_volume_check(volume)],
                ("delivery_date",),
            )
        )
    return Suite(name=f"raw_{source}", source=source, assets=assets)


def _volume_query(source: str, batch: str, volume: VolumeBounds) -> str:
    return f"""
        with daily as (
            select delivery_date, sum(records_loaded) as records_loaded
            from ops.ingest_ledger
            where source = {literal(source)} and not is_copy
            group by delivery_date
        ),
        batch_dates as (
            select distinct l.delivery_date from ops.ingest_ledger as l where {batch}
        ),
        history as (
            select
                b.delivery_date,
                percentile_cont(0.5) within group (order by h.records_loaded) as trailing_median,
                count(h.delivery_date) as trailing_days
            from batch_dates as b
            left join daily as h on h.delivery_date between b.delivery_date - 7 and b.delivery_date - 1
            group by b.delivery_date
        )
        select
            b.delivery_date,
            d.records_loaded,
            b.trailing_median,
            case
                when b.trailing_days >= {volume.min_history} and b.trailing_median >= {volume.min_baseline}
                    then d.records_loaded / b.trailing_median
            end as volume_ratio
        from history as b
        inner join daily as d on d.delivery_date = b.delivery_date
    """


def _reconciled() -> list[gxe.Expectation]:
    return [
        critical(f"ledger_{column}_zero", gxe.ExpectColumnValuesToBeBetween(column=column, min_value=0, max_value=0))
        # each file's own counts reconcile by the ledger's constraint (ledger_reconciles); these compare them with
        # the rows the raw and quarantine tables hold
        for column in ("raw_rows_minus_loaded", "quarantine_rows_minus_quarantined")
    ]


def _volume_check(volume: VolumeBounds) -> gxe.Expectation:
    return warning(
        VOLUME_CHECK,
        gxe.ExpectColumnValuesToBeBetween(
            column="volume_ratio",
            min_value=volume.min_ratio,
            max_value=volume.max_ratio,
            description=f"records loaded per delivery date within {volume.min_ratio}x..{volume.max_ratio}x "
            "the median of the 7 days before",
        ),
    )
