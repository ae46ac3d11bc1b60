"""The site registry as a worker sees it: read from the store, kept for a few seconds."""

import threading
import time

from exchange.store import Store
from exchange.store.sites import Site, all_sites


class SiteCache:
    def __init__(self, store: Store, ttl_seconds: float = 5.0) -> None:
        self.store = store
        self.ttl = ttl_seconds
        self._sites: dict[str, Site] = {}
        self._loaded = float("-inf")
        self._lock = threading.Lock()

    def get(self) -> dict[str, Site]:
        with self._lock:
            if time.monotonic() - self._loaded > self.ttl:
                with self.store.read() as conn:
                    self._sites = all_sites(conn)
                self._loaded = time.monotonic()
            return self._sites
