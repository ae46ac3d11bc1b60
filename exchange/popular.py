"""Past queries as the public sees them: hot searches (热门搜索), completions in the search
box and related searches (相关搜索), read from the search log through the screen of
:mod:`exchange.query_screen` — found as typed without operators, asked by enough different
clients within the window, shaped like a search, free of blocklisted words, not hidden.

The log is read at most once a minute per worker; a suggestion the operator hides in one
worker disappears there at once and from the others at their next reading.
"""

import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import desc, func, select

from exchange.query_screen import Blocklist, ScreenRules, looks_like_a_search, normalise
from exchange.settings import Config
from exchange.store import Store, tables
from exchange.store.hidden_suggestions import hidden_texts

CACHE_SECONDS = 60.0
HOT_LIMIT = 100
PAST_LIMIT = 5_000


@dataclass(frozen=True)
class PublicQuery:
    """A past query the public may be shown: how many different clients asked it, and how
    many times it was asked."""

    text: str
    clients: int
    searches: int


class PopularQueries:
    def __init__(
        self,
        store: Store,
        ttl_seconds: float = CACHE_SECONDS,
        rules: ScreenRules | None = None,
        blocklist: Blocklist | None = None,
    ) -> None:
        self.store = store
        self.ttl = ttl_seconds
        self.rules = rules or ScreenRules()
        self.blocklist = blocklist or Blocklist.load()
        self._lock = threading.Lock()
        self._loaded = float("-inf")
        self._hidden: frozenset[str] = frozenset()
        self._hot: list[PublicQuery] = []
        self._past: list[PublicQuery] = []

    @classmethod
    def from_config(
        cls, config: Config, store: Store, ttl_seconds: float = CACHE_SECONDS
    ) -> "PopularQueries":
        """With the ``--suggestions`` rules and the blocklist extended from ``DATA_DIR``."""
        blocklist = Blocklist.load(config.data_dir)
        return cls(store, ttl_seconds, config.suggestion_rules, blocklist)

    def hot(self, limit: int = 10) -> list[PublicQuery]:
        """The queries most clients asked over the hot window."""
        self._refresh()
        return self._hot[:limit]

    def past(self, limit: int = 100) -> list[PublicQuery]:
        """The queries most clients asked over the longer window (what completions and
        related searches are drawn from)."""
        self._refresh()
        return self._past[:limit]

    def completions(self, prefix: str, limit: int = 10) -> list[PublicQuery]:
        """Past queries starting with ``prefix``."""
        prefix = normalise(prefix)
        if not prefix:
            return []
        self._refresh()
        found = [q for q in self._past if q.text.startswith(prefix) and q.text != prefix]
        return found[:limit]

    def related(self, query: str, words: list[str], limit: int = 5) -> list[str]:
        """Past queries that share a word with this one, most asked first."""
        query = normalise(query)
        words = [w for w in words if len(w) >= 2]
        if not words:
            return []
        self._refresh()
        out = [q.text for q in self._past if q.text != query and any(w in q.text for w in words)]
        return out[:limit]

    def allows(self, text: str) -> bool:
        """Whether any text — a title phrase too — may be offered to the public: it holds no
        blocklisted word and the operator has not hidden it."""
        self._refresh()
        return self._allowed(normalise(text))

    def forget(self) -> None:
        """Read the log and the hidden suggestions again at the next use."""
        with self._lock:
            self._loaded = float("-inf")

    def _allowed(self, text: str) -> bool:
        return text not in self._hidden and self.blocklist.blocked_word(text) is None

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded < self.ttl:
                return
            self._hidden = frozenset(hidden_texts(self.store))
            self._hot = self._screened(self.rules.hot, HOT_LIMIT)
            self._past = self._screened(self.rules.past, PAST_LIMIT)
            self._loaded = time.monotonic()

    def _screened(self, window: timedelta, limit: int) -> list[PublicQuery]:
        asked = asked_by_clients(self.store, window, self.rules.clients, limit)
        return [q for q in asked if looks_like_a_search(q.text) and self._allowed(q.text)]


def asked_by_clients(
    store: Store, window: timedelta, clients: int, limit: int
) -> list[PublicQuery]:
    """Suggestible queries of the last ``window`` that at least ``clients`` different clients
    asked, most clients first."""
    log = tables.search_log.c
    distinct = func.count(log.client.distinct())
    statement = (
        select(log.query, distinct.label("clients"), func.count().label("searches"))
        .where(
            log.at >= datetime.now(UTC).replace(tzinfo=None) - window,
            log.suggestible.is_(True),
            log.client.is_not(None),
            log.query != "",
        )
        .group_by(log.query)
        .having(distinct >= clients)
        .order_by(desc("clients"), desc("searches"), log.query)
        .limit(limit)
    )
    with store.read() as conn:
        rows = conn.execute(statement).all()
    return [PublicQuery(row.query, row.clients, row.searches) for row in rows]
