"""Planted defects (the default profile; --clean skips this module).

Every defect is planted once or a few times, at a place drawn from its own random stream, and tagged with what
ingestion must do about it. Dirt only adds junk records and files, re-delivers copies, or rewrites a value into another
accepted spelling, so the business truth behind the KPIs stays the same as in the clean zone.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, time, timedelta

from metrics_local.sample.layout import SPEND_COLUMNS, LandingFile, Line, Tag, end_of, money, moved
from metrics_local.sample.population import SHANGHAI, Event, new_id
from metrics_local.sample.writers import OFFSETS, event_record, json_line

LOADED = "loaded"


def plant(files: list[LandingFile], seed: int) -> list[LandingFile]:
    dirt = _Dirt(files, random.Random(f"{seed}/dirt"))
    for step in (dirt.time_formats, dirt.alias_spellings, dirt.event_junk, dirt.duplicate_events,
                 dirt.retried_purchases, dirt.corrupt_gzip, dirt.duplicate_file, dirt.feedback, dirt.surveys,
                 dirt.spend):  # fmt: skip
        step()
    return sorted(dirt.files, key=lambda f: f.path)


class _Dirt:
    def __init__(self, files: list[LandingFile], rng: random.Random):
        self.files, self.rng = list(files), rng
        self.end = max(f.delivery for f in files)

    def pick(self, prefix: str, at: float, ok: Callable[[LandingFile], bool] = lambda f: True) -> LandingFile | None:
        """The file at fraction `at` of those whose path starts with prefix and pass `ok` (None when none does)."""
        candidates = sorted((f for f in self.files if f.path.startswith(prefix) and ok(f)), key=lambda f: f.path)
        return candidates[min(len(candidates) - 1, int(len(candidates) * at))] if candidates else None

    def early(self, days: int) -> Callable[[LandingFile], bool]:
        """A plain file that leaves room for a re-delivery `days` later."""
        return lambda f: (
            f.delivery + timedelta(days=days) <= self.end and not f.gzip and not f.tags and len(f.lines) > 3
        )

    def insert(self, file: LandingFile, line: Line, after: int | None = None) -> None:
        # Between two records (never before a CSV header, nor last in a JSONL file, where a blank line would hide)
        low, high = (2, len(file.lines) + 1) if file.is_csv else (1, len(file.lines))
        position = after + 1 if after is not None else self.rng.randrange(low, max(low + 1, high))
        file.lines.insert(position, line)

    # --- events ---------------------------------------------------------------------------------------------------

    def time_formats(self) -> None:
        """About 8% of event_time values in another accepted spelling: Z, epoch millis, naive local, other offsets."""
        formats = ("utc", "utc", "epoch_ms", "epoch_ms", "naive", *OFFSETS)
        for file in self.files:
            for line in file.lines if file.source == "events" else ():
                if self.rng.random() < 0.08:
                    line.time_format = self.rng.choice(formats)

    def _events(self, name: str | None = None):
        for file in self.files:
            if file.source == "events" and not file.gzip:
                for index, line in enumerate(file.lines):
                    if isinstance(line.value, Event) and line.tag is None and name in (None, line.value.name):
                        yield file, index, line

    def alias_spellings(self) -> None:
        """Channel aliases in other case and with surrounding spaces (the seed match ignores both)."""
        for alias, spelling in (("Douyin", "DOUYIN"), ("xhs", " xhs ")):
            found = next((x for x in self._events("signup") if (x[2].value.utm or {}).get("utm_source") == alias), None)
            if found:
                file, index, line = found
                event = replace(line.value, utm={**line.value.utm, "utm_source": spelling})
                file.lines[index] = Line(event, Tag("alias_case_space", None, LOADED), line.time_format)

    def event_junk(self) -> None:
        def template(file: LandingFile) -> dict:
            event = self.rng.choice([line.value for line in file.lines if isinstance(line.value, Event)])
            return event_record(replace(event, event_id=new_id(self.rng)))

        def at(file: LandingFile, days: int, hour: int) -> str:
            return datetime.combine(file.delivery + timedelta(days=days), time(hour), SHANGHAI).isoformat()

        junk: list[tuple[str, Callable[[LandingFile], object]]] = [
            ("malformed_json", lambda f: json_line(template(f))[:-23]),
            ("malformed_json", lambda f: json_line(template(f)).replace('","', '" "', 1)),
            ("not_an_object", lambda f: "[1,2]"),
            ("missing_field:event_id", lambda f: {k: v for k, v in template(f).items() if k != "event_id"}),
            ("missing_field:event_id", lambda f: {**template(f), "event_id": None}),
            ("missing_field:event_time", lambda f: {k: v for k, v in template(f).items() if k != "event_time"}),
            ("bad_timestamp:event_time", lambda f: {**template(f), "event_time": "yesterday"}),
            ("bad_timestamp:event_time", lambda f: {**template(f), "event_time": "2026-02-30T10:00:00+08:00"}),
            ("future_event_time", lambda f: {**template(f), "event_time": at(f, 3, 10)}),
            ("before_min_date", lambda f: {**template(f), "event_time": int(end_of(f.delivery).timestamp()) - 7200}),
            ("before_min_date", lambda f: {**template(f), "event_time": "2019-12-31T09:00:00+08:00"}),
            ("blank_line", lambda f: ""),
            ("blank_line", lambda f: ""),
        ]
        for n, (reason, make) in enumerate(junk):
            file = self.pick("events/", (n + 0.5) / len(junk), self.early(0))
            if file:
                outcome = "skipped" if reason == "blank_line" else "quarantined"  # a blank line carries no record
                self.insert(file, Line(make(file), Tag(reason, reason, outcome)))

    def duplicate_events(self) -> None:
        """Client retries: the same event again in a later delivery, once with another event_time."""
        candidates = [x for x in self._events() if x[1] > 0 and x[0].delivery + timedelta(days=3) <= self.end]
        for n in range(3):
            file, _, line = candidates[int(len(candidates) * (0.2 + 0.25 * n))]
            target = self.pick("events/", 0, lambda f, d=file.delivery: f.delivery > d and self.early(0)(f))
            if target is None:
                continue
            if n == 2:
                changed = replace(line.value, time=line.value.time + timedelta(seconds=41))
                self.insert(target, Line(changed, Tag("duplicate_event_other_time", None, LOADED)))
            else:
                self.insert(target, Line(line.value, Tag("duplicate_event", None, LOADED), line.time_format))

    def retried_purchases(self) -> None:
        """The client retried a purchase with a new event_id: same order_id, a few seconds later, right after it."""
        purchases = list(self._events("purchase"))
        for n in range(min(2, len(purchases))):
            file, _, line = purchases[int(len(purchases) * (0.3 + 0.4 * n))]
            retry = replace(line.value, event_id=new_id(self.rng), time=line.value.time + timedelta(seconds=3))
            index = next(i for i, other in enumerate(file.lines) if other is line)
            self.insert(file, Line(retry, Tag("retried_purchase", None, LOADED)), after=index)

    def corrupt_gzip(self) -> None:
        """An upload cut short: the truncated .gz lands, the whole file is uploaded again the next day."""
        file = self.pick("events/", 0.4, lambda f: f.gzip and f.delivery < self.end)
        if file:
            whole = moved(file, file.delivery + timedelta(days=1))
            self.files[self.files.index(file)] = whole
            broken = LandingFile("events", file.delivery, file.name, [], gzip=True, truncate=True, copy_of=whole)
            broken.tags.append(Tag("corrupt_gzip", "corrupt_gzip", "rejected"))
            self.files.append(broken)

    def duplicate_file(self) -> None:
        file = self.pick("events/", 0.55, lambda f: self.early(2)(f) and not any(line.tag for line in f.lines))
        if file:
            copy = LandingFile("events", file.delivery + timedelta(days=2), f"resend-{file.name}", [], copy_of=file)
            copy.tags.append(Tag("duplicate_file", "duplicate_file", "duplicate_file"))
            self.files.append(copy)

    # --- feedback -------------------------------------------------------------------------------------------------

    def feedback(self) -> None:
        desk = "feedback/"
        for at, encoding in ((0.1, "utf-8-sig"), (0.25, "gb18030")):
            file = self.pick(desk, at, lambda f: "cs_tickets" in f.name and self.early(0)(f))
            if file:
                file.encoding = encoding
                file.tags.append(Tag("utf8_bom" if encoding == "utf-8-sig" else "gb18030", None, LOADED))
        texts = (
            ("content_commas", "Charged twice for order ORD20261001, please refund, thanks, Li"),
            ("content_newlines", "第一次打开就闪退\n第二次也一样\r\n第三次还是"),
            ("content_quotes", 'Support said "it is fixed" but the "export" button still fails'),
            ("content_sql", "'); drop table users; --"),
            ("content_email", "请回复到 zhang.wei@example.com 谢谢"),
            ("content_phone", "电话13812345678，请尽快回电"),
        )
        for n, (kind, text) in enumerate(texts):
            file = self.pick(desk, 0.05 + 0.07 * n, lambda f: "cs_tickets" in f.name and self.early(0)(f))
            if file:
                index = self.rng.choice([i for i, line in enumerate(file.lines) if i and line.tag is None])
                row = list(file.lines[index].value)
                row[6] = text
                file.lines[index] = Line(row, Tag(kind, None, LOADED))
        self._broken_export(desk)
        self._undecodable_export(desk)

    def _broken_export(self, prefix: str) -> None:
        """An export that died mid-quote: rejected; the full export is sent again later that day.

        (Not the next day: that day's own export may carry newer statuses of the same tickets.)"""
        file = self.pick(prefix, 0.5, lambda f: "cs_tickets" in f.name and self.early(0)(f))
        if file:
            whole = moved(file, file.delivery, file.name.replace(".csv", "_reexport.csv"))
            self.files[self.files.index(file)] = whole
            cut = len(file.lines) // 2
            row = file.lines[cut].value
            half_row = ",".join(row[:6]) + ',"页面一直转圈，客服也联系不上'
            broken = LandingFile(file.source, file.delivery, file.name, [*file.lines[:cut], Line(half_row)])
            broken.tags.append(Tag("unterminated_quote", "unterminated_quote", "rejected"))
            self.files.append(broken)

    def _undecodable_export(self, prefix: str) -> None:
        """A legacy tool's export with bytes that are neither UTF-8 nor GB18030."""
        file = self.pick(prefix, 0.6, lambda f: "cs_tickets" in f.name and self.early(0)(f))
        if file:
            row = file.lines[1].value
            garbled = ",".join(row[:6]).encode() + b",\xff\xfe\x80\x80 ?,new,,"
            legacy = LandingFile(file.source, file.delivery, file.name.replace(".csv", "_legacy.csv"),
                                 [*file.lines[:3], Line(garbled)])  # fmt: skip
            legacy.tags.append(Tag("undecodable", "undecodable", "rejected"))
            self.files.append(legacy)

    # --- surveys --------------------------------------------------------------------------------------------------

    def surveys(self) -> None:
        for file in self.files:
            for index, line in enumerate(file.lines[1:] if file.source == "surveys" else (), start=1):
                if line.value[4] == "" and self.rng.random() < 0.5:
                    file.lines[index] = Line([*line.value[:4], "N/A", *line.value[5:]], Tag("answer_na", None, LOADED))
        bad = (("nps", "11", "out_of_range:nps_score"), ("csat", "0", "out_of_range:csat_score"),
               ("csat", "abc", "bad_number:csat_score"), ("nps", "-1", "out_of_range:nps_score"))  # fmt: skip
        for n, (kind, answer, reason) in enumerate(bad):
            file = self.pick("surveys/", 0.2 + 0.2 * n, lambda f, k=kind: f.name.startswith(k) and len(f.lines) > 3)
            if file:
                row = list(self.rng.choice(file.lines[1:]).value)
                row[0], row[4] = f"{row[1]}-9{n:05d}", answer
                self.insert(file, Line(row, Tag(reason.split(":")[0], reason, "quarantined")))
        first = self.pick("surveys/", 0, lambda f: f.name.startswith("nps") and len(f.lines) > 3)
        later = self.pick(
            "surveys/", 0, lambda f: first is not None and f.name.startswith("nps") and f.delivery > first.delivery
        )
        if first and later:
            self.insert(later, Line(list(first.lines[1].value), Tag("duplicate_response", None, LOADED)))
        empty = self.pick("surveys/", 0.5)
        if empty:
            blank = LandingFile("surveys", empty.delivery, "csat_responses_manual_upload.csv", [])
            blank.tags.append(Tag("empty_file", "empty", "empty"))
            self.files.append(blank)

    # --- marketing spend ------------------------------------------------------------------------------------------

    def spend(self) -> None:
        spend = "marketing_spend/"
        for at, name in ((0.1, "tencent_ads"), (0.3, "tencent_ads"), (0.5, "tencent_ads"), (0.4, "baidu_sem")):
            file = self.pick(spend, at, lambda f, n=name: f.name.startswith(n) and not f.tags)  # exported by hand
            if file:
                file.tags.append(Tag("formatted_numbers", None, LOADED))
                for line in file.lines[1:]:
                    row = line.value
                    line.value = [*row[:4], f"{int(row[4]):,}", f"{int(row[5]):,}", _yuan(_cents(row[6])), row[7]]
        for at, name, label in ((0.3, "tencent_ads", "合计"), (0.4, "baidu_sem", "Total")):
            file = self.pick(spend, at, lambda f, n=name: f.name.startswith(n) and len(f.lines) > 2)
            if file:
                if label == "合计":
                    file.encoding = "gb18030"
                    file.tags.append(Tag("gb18030", None, LOADED))
                rows = [line.value for line in file.lines[1:]]
                total = [label, "", "", "", f"{sum(_int(r[4]) for r in rows):,}", f"{sum(_int(r[5]) for r in rows):,}",
                         _yuan(sum(_cents(r[6]) for r in rows)), ""]  # fmt: skip
                file.lines.append(Line(total, Tag("total_row", "total_row", "skipped")))
        crlf = self.pick(spend, 0.6, lambda f: f.name.startswith("baidu_sem"))
        if crlf:
            crlf.newline = "\r\n"
            crlf.tags.append(Tag("crlf", None, LOADED))
        self._restatement(spend)
        douyin = self.pick(spend, 0.6, lambda f: f.name.startswith("douyin") and len(f.lines) > 2)
        if douyin:
            zero = [douyin.lines[1].value[0], "Douyin", "dy_brand_paused", "抖音品牌(暂停)", "0", "0", "0.00", "CNY"]
            douyin.lines.append(Line(zero, Tag("zero_spend", None, LOADED)))
        xhs = self.pick(spend, 0.5, lambda f: f.name.startswith("xiaohongshu") and len(f.lines) > 2)
        if xhs:
            row = [xhs.lines[1].value[0], "xhs", "xhs_kol_test", "KOL测试", "1000", "12", "twelve", "CNY"]
            self.insert(xhs, Line(row, Tag("bad_number", "bad_number:spend", "quarantined")))
        self._missing_column(spend)
        header_only = self.pick(spend, 0.7, lambda f: f.name.startswith("wechat"))
        if header_only:
            name = header_only.name.replace(".csv", "_adjustments.csv")
            self.files.append(LandingFile(header_only.source, header_only.delivery, name, [Line(list(SPEND_COLUMNS))],
                                          tags=[Tag("header_only", "empty", "empty")]))  # fmt: skip

    def _restatement(self, prefix: str) -> None:
        """A first export under-reports a row; an export two days later restates it (the later delivery wins)."""
        file = self.pick(
            prefix, 0.2, lambda f: f.name.startswith("douyin") and f.delivery + timedelta(days=2) <= self.end
        )
        later = file and self.pick(
            prefix, 0, lambda f: f.name.startswith("douyin") and f.delivery == file.delivery + timedelta(days=2)
        )
        if file and later:
            true_row = file.lines[1].value
            preliminary = [*true_row[:6], money(_cents(true_row[6]) * 9 // 10), true_row[7]]
            file.lines[1] = Line(preliminary, Tag("spend_superseded", None, LOADED))
            later.lines.append(Line(list(true_row), Tag("spend_restatement", None, LOADED)))

    def _missing_column(self, prefix: str) -> None:
        """An export without campaign_id: rejected whole; a corrected file arrives the next day."""
        file = self.pick(prefix, 0.3, lambda f: f.name.startswith("weibo") and self.early(1)(f))
        if file:
            fixed = moved(file, file.delivery + timedelta(days=1), file.name.replace(".csv", "_fixed.csv"))
            self.files[self.files.index(file)] = fixed
            drop = SPEND_COLUMNS.index("campaign_id")
            lines = [Line([v for i, v in enumerate(line.value) if i != drop]) for line in file.lines]
            broken = LandingFile(file.source, file.delivery, file.name, lines)
            broken.tags.append(Tag("missing_column", "missing_column:campaign_id", "rejected"))
            self.files.append(broken)


def _cents(text: str) -> int:
    return round(float(text.replace("¥", "").replace(",", "")) * 100)


def _int(text: str) -> int:
    return int(text.replace(",", ""))


def _yuan(cents: int) -> str:
    return f"¥{cents // 100:,}.{cents % 100:02d}"
