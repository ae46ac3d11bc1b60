"""Search analytics: the log of what citizens search, and what it tells the search box.

Every first-page search is logged (query, site, scope, results, time taken, correction).
Rows are buffered in the worker and written in batches by a background thread, so a search
never waits for a write; a crash loses at most a couple of seconds of log, never a record.

From the log come hot queries (most searched over a recent window), completions from past
queries that found something, and related searches (past queries that share a word).
"""

import atexit
import threading
import time
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import desc, func, select

from exchange.store import Store, tables
from indexer.analysis.normalize import fold

FLUSH_SECONDS = 2.0
MAX_BUFFER = 10_000
HOT_DAYS = 7
PAST_DAYS = 30
POPULAR_LIMIT = 5_000
CACHE_SECONDS = 60.0


@dataclass(frozen=True)
class Searched:
    query: str
    site: str | None
    scope: str
    results: int
    took_ms: float
    corrected_to: str = ""


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

    def record(self, searched: Searched) -> None:
        self._buffer.append(
            {
                "at": _now(),
                "query": fold(searched.query.strip())[:256],
                "site": searched.site,
                "scope": searched.scope,
                "results": searched.results,
                "took_ms": round(searched.took_ms),
                "corrected_to": searched.corrected_to[:256],
            }
        )
        self._start()

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


class PopularQueries:
    """Past queries as the search box uses them, read from the log at most once a minute."""

    def __init__(self, store: Store, ttl_seconds: float = CACHE_SECONDS) -> None:
        self.store = store
        self.ttl = ttl_seconds
        self._lock = threading.Lock()
        self._loaded = float("-inf")
        self._hot: list[tuple[str, int]] = []
        self._found: list[tuple[str, int]] = []

    def hot(self, limit: int = 10) -> list[tuple[str, int]]:
        """The most searched queries of the last week that found something."""
        self._refresh()
        return self._hot[:limit]

    def completions(self, prefix: str, limit: int = 10) -> list[tuple[str, int]]:
        """Past queries (last month, that found something) starting with ``prefix``."""
        prefix = fold(prefix.strip())
        if not prefix:
            return []
        self._refresh()
        found = [(q, n) for q, n in self._found if q.startswith(prefix) and q != prefix]
        return found[:limit]

    def related(self, query: str, words: list[str], limit: int = 5) -> list[str]:
        """Past queries that share a word with this one, most searched first."""
        query = fold(query.strip())
        words = [w for w in words if len(w) >= 2]
        if not words:
            return []
        self._refresh()
        out = [q for q, _ in self._found if q != query and any(w in q for w in words)]
        return out[:limit]

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded < self.ttl:
                return
            self._hot = top_queries(self.store, days=HOT_DAYS, limit=100, found_only=True)
            self._found = top_queries(self.store, days=PAST_DAYS, limit=POPULAR_LIMIT,
                                      found_only=True)  # fmt: skip
            self._loaded = time.monotonic()


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
