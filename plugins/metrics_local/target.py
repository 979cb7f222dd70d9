"""Which warehouse a command talks to: METRICS_WAREHOUSE_URL, or the embedded server."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from metrics_local import embedded
from metrics_warehouse.settings import Settings


@contextlib.contextmanager
def warehouse(settings: Settings) -> Iterator[str]:
    """Yield the warehouse URL; an embedded server started here is stopped on exit."""
    if settings.warehouse_url:
        yield settings.warehouse_url
        return
    url, started_here = embedded.start()
    try:
        yield url
    finally:
        if started_here:
            embedded.stop()
