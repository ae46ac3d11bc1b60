"""Best bets (推荐结果): records operators pin to a query, shown first on its first page.

A best bet names a query, a record (``SITE/ID``), where it applies — the searches from one
site, from any site of a branch (the site and every site below it in the tier tree), or from
anywhere in the cluster — and the last day it is in force (cluster time; 90 days from today
unless told, at most a year ahead). Queries are compared as search compares them: folded
(width, case, traditional → simplified) and with spaces collapsed, so ``公積金  提取`` and
``公积金 提取`` are one query.

On page 1 of a search with a query, the best bets in force for the query and the searching
site (``site=``) come first: the site's own, then its branches' (nearest first), then the
cluster's, each record once; without ``site`` only the cluster's. A pinned record already on
the page is moved up, not repeated; the total stays what the query as typed found. A record
the live index no longer holds (withdrawn, held, its site closed) is not shown.

Each worker keeps the best bets in force in memory and reads them again every few seconds
(:class:`BestBets`), so a search costs no database query for them.
"""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from exchange.errors import InvalidInput
from exchange.query_screen import normalise
from exchange.record_input import CLUSTER_TZ
from exchange.site_cache import SiteCache
from exchange.store import Store
from exchange.store.best_bets import BestBet, active_best_bets, add_best_bet
from exchange.store.sites import Site, branch_of
from indexer.engine.fetching import hits_by_key
from indexer.engine.searching import IndexReader
from indexer.search_types import Hit, SearchRequest, SearchResult

DEFAULT_DAYS = 90
MAX_DAYS = 366


def parse_record(text: str) -> tuple[str, str]:
    """``SITE/ID`` → (site, id): the record's key in the index."""
    site, _, local_id = text.strip().partition("/")
    if not site or not local_id:
        raise InvalidInput("name the record as SITE/ID, e.g. 530500/2024-001",
                           code="invalid_record", field="record")  # fmt: skip
    return site, local_id


def expiry(last_day: date | None, today: date) -> datetime:
    """When a best bet in force through ``last_day`` (cluster time) ends, as stored (UTC)."""
    last_day = last_day or today + timedelta(days=DEFAULT_DAYS)
    if last_day < today:
        raise InvalidInput(f"the expiry {last_day} is in the past", code="expiry_in_past",
                           field="expires")  # fmt: skip
    if last_day > today + timedelta(days=MAX_DAYS):
        raise InvalidInput(f"a best bet lasts at most {MAX_DAYS} days; add it again later",
                           code="expiry_too_far", field="expires")  # fmt: skip
    end = datetime.combine(last_day + timedelta(days=1), datetime.min.time(), CLUSTER_TZ)
    return end.astimezone(UTC).replace(tzinfo=None)


def last_day(bet: BestBet) -> date:
    """The last day (cluster time) a best bet is in force."""
    return (bet.expires_at.replace(tzinfo=UTC).astimezone(CLUSTER_TZ) - timedelta(seconds=1)).date()


def pin(
    store: Store,
    query: str,
    record: str,
    actor: str,
    site: str | None = None,
    branch: str | None = None,
    last: date | None = None,
    note: str = "",
    today: date | None = None,
) -> BestBet:
    """Add a best bet (audited as ``actor``); ``last``: its last day, by default in 90 days."""
    if any("\x00" in text for text in (query, record, site or "", branch or "", note)):
        raise InvalidInput("a field holds a NUL character", code="invalid_character")
    folded = normalise(query)
    if not folded:
        raise InvalidInput("name the query to pin a record to", code="missing_field",
                           field="query")  # fmt: skip
    record_site, record_id = parse_record(record)
    ends = expiry(last, today or datetime.now(CLUSTER_TZ).date())
    return add_best_bet(store, folded, record_site, record_id, actor, ends, site or None,
                        branch or None, note.strip())  # fmt: skip


def applicable(
    bets: list[BestBet], query: str, site: str | None, sites: dict[str, Site], now: datetime
) -> list[BestBet]:
    """The best bets in force for a (folded) query searched from ``site``: the site's, its
    branches' nearest first, then the cluster's; each record once, at its first place."""
    chain = branch_of(sites, site) if site else []
    ranked = []
    for bet in bets:
        if bet.query != query or not bet.active(now):
            continue
        if bet.site is not None:
            rank = (0, 0) if bet.site == site else None
        elif bet.branch is not None:
            rank = (1, chain.index(bet.branch)) if bet.branch in chain else None
        else:
            rank = (2, 0)
        if rank is not None:
            ranked.append((rank, bet.id, bet))
    ranked.sort(key=lambda entry: entry[:2])
    seen: set[str] = set()
    chosen = []
    for _rank, _id, bet in ranked:
        if bet.record_key not in seen:
            seen.add(bet.record_key)
            chosen.append(bet)
    return chosen


def pinned_first(hits: list[Hit], pinned: list[Hit]) -> list[Hit]:
    """The pinned hits, then the others without them, neither as a hit nor folded under one
    as a look-alike (``similar``); the hits given are left as they were."""
    keys = {hit.key for hit in pinned}
    rest = []
    for hit in hits:
        if hit.key in keys:
            continue
        if any(other.key in keys for other in hit.similar):
            kept = [other for other in hit.similar if other.key not in keys]
            dropped = len(hit.similar) - len(kept)
            hit = replace(hit, similar=kept, similar_count=hit.similar_count - dropped)
        rest.append(hit)
    return pinned + rest


@dataclass(frozen=True)
class Pinned:
    """A page of results with its best bets first, and the keys of those pinned."""

    result: SearchResult
    keys: frozenset[str]


class BestBets:
    """The best bets in force, as one worker sees them: read from the store, kept for a few
    seconds (removing one from the dashboard forgets them in that worker at once)."""

    def __init__(
        self,
        store: Store,
        sites: SiteCache,
        ttl_seconds: float = 5.0,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.store = store
        self.sites = sites
        self.ttl = ttl_seconds
        self.now = now or _utcnow
        self._by_query: dict[str, list[BestBet]] = {}
        self._loaded = float("-inf")
        self._lock = threading.Lock()

    def forget(self) -> None:
        with self._lock:
            self._loaded = float("-inf")

    def _active(self, now: datetime) -> dict[str, list[BestBet]]:
        """The best bets in force when last read, by query."""
        with self._lock:
            if time.monotonic() - self._loaded > self.ttl:
                with self.store.read() as conn:
                    by_query: dict[str, list[BestBet]] = {}
                    for bet in active_best_bets(conn, now):
                        by_query.setdefault(bet.query, []).append(bet)
                self._by_query = by_query
                self._loaded = time.monotonic()
            return self._by_query

    def pin(
        self, reader: IndexReader, request: SearchRequest, site: str | None, result: SearchResult
    ) -> Pinned:
        """``result`` (page 1 of a query) with the best bets for the searching ``site`` first;
        ``result`` itself is left as it was (the index caches it)."""
        now = self.now()
        by_query = self._active(now)
        query = normalise(request.text) if by_query else ""
        if query not in by_query:
            return Pinned(result, frozenset())
        chosen = applicable(by_query[query], query, site, self.sites.get() if site else {}, now)
        keys = [b.record_key for b in chosen if b.record_site not in request.exclude_sites]
        if not keys:
            return Pinned(result, frozenset())
        on_page = {hit.key: hit for hit in result.hits}
        missing = [k for k in keys if k not in on_page]
        fetched = hits_by_key(reader, missing, request.text) if missing else {}
        pinned = [found for k in keys if (found := on_page.get(k) or fetched.get(k))]
        hits = pinned_first(result.hits, pinned)
        return Pinned(replace(result, hits=hits), frozenset(hit.key for hit in pinned))


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
