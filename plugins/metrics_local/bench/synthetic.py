"""Synthetic raw history made inside PostgreSQL, for benchmarks that need millions of events quickly.

One landing file per day (a ledger row each, as ingestion would write it); events of a steady user base: signups on a
user's first day, logins, page views, feature use and purchases. Deterministic for a given seed.
"""

from __future__ import annotations

from datetime import date, timedelta

from metrics_warehouse.warehouse.connection import connect

_DAY = """
with params as (
    select %(day)s::date as day, %(file_id)s::bigint as file_id, %(events)s::int as events, %(users)s::int as users
),
drawn as (
    select
        n,
        1 + (hashint8(n::bigint * 7919 + %(seed)s) & 2147483647) %% params.users as user_number,
        (hashint8(n::bigint * 104729 + %(seed)s) & 2147483647) %% 100 as kind,
        ((hashint8(n::bigint * 15485863 + %(seed)s) & 2147483647) %% 86400000)::bigint as offset_ms
    from params, generate_series(1, (select events from params)) as n
)
insert into raw.events (file_id, line_number, event_id, event_name, event_time, event_at, user_id, payload)
select
    params.file_id,
    drawn.n,
    event_id,
    event_name,
    event_ms::text,
    to_timestamp(event_ms / 1000.0),
    'u' || drawn.user_number,
    jsonb_build_object(
        'event_id', event_id, 'event_name', event_name, 'event_time', event_ms, 'user_id', 'u' || drawn.user_number,
        'platform', 'ios', 'utm_source', case when drawn.user_number %% 3 = 0 then 'douyin' else '' end,
        'properties', case
            when event_name = 'purchase' then jsonb_build_object(
                'order_id', event_id, 'amount', (drawn.n %% 500) + 9.9, 'currency', 'CNY', 'cost', (drawn.n %% 200) + 1)
            when event_name = 'feature_use' then jsonb_build_object('feature', 'f' || drawn.n %% 7)
            else '{}'::jsonb
        end
    )
from params, drawn,
    lateral (
        select
            'e' || params.file_id || '-' || drawn.n as event_id,
            case
                when drawn.user_number > params.users * (params.day - %(start)s::date) / %(days)s
                    and drawn.kind < 2 then 'signup'
                when drawn.kind < 40 then 'page_view'
                when drawn.kind < 70 then 'login'
                when drawn.kind < 95 then 'feature_use'
                else 'purchase'
            end as event_name,
            (extract(epoch from params.day::timestamp at time zone 'Asia/Shanghai') * 1000)::bigint
                + drawn.offset_ms as event_ms
    ) as event
"""

_LEDGER = """
insert into ops.ingest_ledger (
    file_id, load_id, source, path, delivery_date, content_sha256, size_bytes, encoding, status,
    records_read, records_loaded, started_at, finished_at
) values (%(file_id)s, %(load_id)s, 'events', %(path)s, %(day)s, md5(%(path)s), 0, 'utf-8', 'loaded',
    %(events)s, %(events)s, now(), now())
"""


def load_days(url: str, *, start: date, days: int, first_day: int, count: int, events_per_day: int, users: int) -> None:
    """Load days first_day .. first_day + count - 1 (0-based from start) of a `days`-day history."""
    with connect(url) as conn:
        for offset in range(first_day, first_day + count):
            day = start + timedelta(days=offset)
            params = {
                "day": day,
                "start": start,
                "days": days,
                "file_id": offset + 1,
                "events": events_per_day,
                "users": users,
                "seed": 42,
                "path": f"events/{day}/synthetic.jsonl",
                "load_id": f"synthetic-{day}",  # one load a day, as daily runs make
            }
            conn.execute(_LEDGER, params)
            conn.execute(_DAY, params)
        conn.execute(
            "select setval(pg_get_serial_sequence('ops.ingest_ledger', 'file_id'), max(file_id)) from ops.ingest_ledger"
        )
        conn.execute("analyze raw.events")
