"""The cluster's service items as a worker keeps them: read from the store once, then only
what changed, at most every few seconds — the cards of a search are chosen from memory.

At a city's scale the catalogue is small (thousands of guides, their key lines, not their
bodies); a refresh reads the records changed since the last one through the sequence index.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from exchange.services.key_lines import KeyLine, key_lines
from exchange.services.naming import areas_of, service_name
from exchange.store import Store
from exchange.store.service_items import ServiceRow, read_service_rows
from exchange.store.sites import Site
from indexer.analysis.normalize import fold


@dataclass(frozen=True)
class ServiceItem:
    key: str
    site: str
    # The service the title names (住房公积金提取), without places and 办事指南.
    name: str
    title: str
    url: str
    published: datetime | None
    lines: tuple[KeyLine, ...]


class ServiceCatalogue:
    def __init__(
        self, store: Store, sites: Callable[[], dict[str, Site]], ttl_seconds: float = 10.0
    ) -> None:
        self.store = store
        self.sites = sites
        self.ttl = ttl_seconds
        self._items: dict[str, ServiceItem] = {}
        self._seq = 0
        self._loaded = float("-inf")
        self._lock = threading.Lock()
        self._list: list[ServiceItem] | None = None

    def items(self) -> list[ServiceItem]:
        """Every service item public search may show, as of at most ``ttl`` seconds ago."""
        with self._lock:
            if time.monotonic() - self._loaded > self.ttl:
                with self.store.read() as conn:
                    rows, self._seq = read_service_rows(conn, self._seq)
                sites = self.sites() if rows else {}
                for row in rows:
                    self._apply(row, sites)
                if rows or self._list is None:
                    self._list = list(self._items.values())
                self._loaded = time.monotonic()
            # The same list until something changes: callers may keep what they derive.
            return self._list

    def _apply(self, row: ServiceRow, sites: dict[str, Site]) -> None:
        key = f"{row.site}/{row.local_id}"
        if not row.shown:
            self._items.pop(key, None)
            return
        lines = tuple(key_lines(row.body))
        name = service_name(row.title, site_areas(row.site, sites))
        self._items[key] = ServiceItem(
            key, row.site, fold(name), row.title, row.url, row.published, lines
        )


def site_areas(code: str, sites: dict[str, Site]) -> list[str]:
    areas: list[str] = []
    seen = set()
    while code in sites and code not in seen:
        seen.add(code)
        areas += areas_of(sites[code].name)
        code = sites[code].parent
    return areas
