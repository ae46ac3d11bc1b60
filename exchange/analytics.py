"""Search analytics: the log of what citizens search.

Every first-page search is logged (query, site, scope, results, time taken, correction).
Rows are buffered in the worker and written in batches by a background thread, so a search
never waits for a write; a crash loses at most a couple of seconds of log, never a record.

Each row also says who asked — as a keyed hash of the client's address (its IPv6 /64), so
that different clients can be counted while the log holds no address — and whether the
query may become a public suggestion: it found results as typed, without operators
(:mod:`exchange.query_screen`). Supervision reads the log whole (:mod:`exchange.supervision`);
the search box only what passes the screen (:mod:`exchange.popular`).
"""

import atexit
import hashlib
import hmac
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import desc, func, select

from exchange.guard.clients import bucket
from exchange.query_screen import normalise
from exchange.store import Store, tables
from exchange.store.server_secrets import server_secret

FLUSH_SECONDS = 2.0
MAX_BUFFER = 10_000
CLIENT_KEY = "search_log_client_key"


@dataclass(frozen=True)
class Searched:
    """One search as logged. ``client`` is the client's address, which the log turns into
    its keyed hash at once; ``suggestible``: found as typed, without operators."""

    query: str
    site: str | None
    scope: str
    results: int
    took_ms: float
    corrected_to: str = ""
    client: str | None = None
    suggestible: bool = False


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class SearchLog:
    """A per-process buffer of searches, written to the store in batches."""

    def __init__(self, store: Store, flush_seconds: float = FLUSH_SECONDS) -> None:
        self.store = store
        self.flush_seconds = flush_seconds
        self._buffer: deque[dict] = deque(maxlen=MAX_BUFFER)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._client_key: bytes | None = None

    def record(self, searched: Searched) -> None:
        self._buffer.append(
            {
                "at": _now(),
                "query": normalise(searched.query)[:256],
                "site": searched.site,
                "scope": searched.scope,
                "results": searched.results,
                "took_ms": round(searched.took_ms),
                "corrected_to": searched.corrected_to[:256],
                "client": self.client_hash(searched.client) if searched.client else None,
                "suggestible": searched.suggestible,
            }
        )
        self._start()

    def client_hash(self, address: str) -> str:
        """Who asked, as the log keeps it: an HMAC of the client's bucket (its IPv4 address,
        or its IPv6 /64, so rotating addresses in a /64 is one client) under a key of the
        store's own, shared by every worker and host."""
        if self._client_key is None:
            self._client_key = server_secret(self.store, CLIENT_KEY)
        digest = hmac.new(self._client_key, bucket(address).encode(), hashlib.sha256)
        return digest.hexdigest()[:16]

    def flush(self) -> int:
        """Write what is buffered; returns how many rows."""
        with self._lock:
            rows = []
            while self._buffer:
                rows.append(self._buffer.popleft())
            if rows:
                with self.store.write() as conn:
                    conn.execute(tables.search_log.insert(), rows)
            return len(rows)

    def _start(self) -> None:
        # Started by the first search, i.e. in the worker after the fork, never at import.
        if self._thread is not None:
            return
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="search-log", daemon=True)
                self._thread.start()
                atexit.register(self._final_flush)

    def _final_flush(self) -> None:
        try:
            self.flush()
        except Exception:  # at exit there is no one left to tell; the log is best effort
            return

    def _run(self) -> None:
        while True:
            time.sleep(self.flush_seconds)
            try:
                self.flush()
            except Exception:  # the store may be briefly unavailable; try again next time
                continue


def top_queries(
    store: Store,
    days: int,
    limit: int,
    found_only: bool = False,
    zero_only: bool = False,
    site: str | None = None,
) -> list[tuple[str, int]]:
    """Queries by how often they were searched over the last ``days`` days."""
    log = tables.search_log.c
    statement = (
        select(log.query, func.count().label("n"))
        .where(log.at >= _now() - timedelta(days=days), log.query != "")
        .group_by(log.query)
        .order_by(desc("n"), log.query)
        .limit(limit)
    )
    if found_only:
        statement = statement.where(log.results > 0)
    if zero_only:
        statement = statement.where(log.results == 0)
    if site is not None:
        statement = statement.where(log.site == site)
    with store.read() as conn:
        return [(row.query, row.n) for row in conn.execute(statement)]
