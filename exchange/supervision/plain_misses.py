"""Candidates for the plain-language table (白话词候选): searches that found nothing and that
the same client followed, soon after, by another search whose result was opened.

A citizen who types 生孩子, finds nothing, then searches 生育登记 and opens 生育登记办事指南
has told us what 生孩子 means. Listed on the operator's dashboard, such pairs are what to add
to ``DATA_DIR/plain_language.txt`` (docs/search.md, "Plain language").

From the search log (:mod:`exchange.analytics`: each first-page search with the keyed hash
of its client) and the click log (:mod:`exchange.supervision.clicks`). A click holds no client,
so a click is taken for the follow-up search's when it names the same query (both are stored
normalised), from the same search box, between that search and the end of the window.
Searches logged without a client hash (before schema version 8) are left out.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select

from exchange.store import Store, tables

WINDOW = timedelta(minutes=30)
DEFAULT_LIMIT = 20
FOLLOWED_SHOWN = 3
_CHUNK = 500


@dataclass(frozen=True)
class FollowedBy:
    """What clients searched and opened after a miss, and how many of them did."""

    query: str
    title: str
    record: str  # SITE/ID
    clients: int


@dataclass(frozen=True)
class PlainCandidate:
    """A query that found nothing, how many clients then found what they wanted under
    another query, and what that was (most clients first)."""

    query: str
    clients: int
    followed: list[FollowedBy] = field(default_factory=list)


@dataclass(frozen=True)
class _Search:
    at: datetime
    query: str
    site: str | None
    client: str


def plain_language_candidates(
    store: Store,
    start: datetime,
    end: datetime,
    window: timedelta = WINDOW,
    limit: int = DEFAULT_LIMIT,
) -> list[PlainCandidate]:
    """Misses logged from ``start`` to ``end`` (UTC, end exclusive) followed within
    ``window`` by the same client's search and a click on one of its results; the queries
    most clients did this for first."""
    log = tables.search_log.c
    searches = select(log.at, log.query, log.site, log.client).where(log.client.is_not(None))
    with store.read() as conn:
        missed = searches.where(log.at >= start, log.at < end, log.results == 0, log.query != "")
        misses = [_Search(*row) for row in conn.execute(missed)]
        if not misses:
            return []
        clients = sorted({m.client for m in misses})
        later: dict[str, list[_Search]] = defaultdict(list)
        for chunk in _chunks(clients):
            found = searches.where(log.at >= start, log.at < end + window, log.results > 0)
            for row in conn.execute(found.where(log.client.in_(chunk)).order_by(log.at)):
                later[row.client].append(_Search(*row))
        followed = {s.query for searches in later.values() for s in searches}
        clicks = _clicks(conn, followed, start, end + window)
    found: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)  # miss → client → pair
    for miss in sorted(misses, key=lambda m: m.at):
        if miss.client in found[miss.query]:
            continue
        opened = _opened_after(miss, later[miss.client], clicks, window)
        if opened is not None:
            found[miss.query][miss.client] = opened
    found = {query: pairs for query, pairs in found.items() if pairs}
    titles = _titles(store, {record for pairs in found.values() for _, record in pairs.values()})
    candidates = [
        PlainCandidate(
            query,
            len(pairs),
            [
                FollowedBy(q, titles.get(record, ""), record, n)
                for (q, record), n in Counter(pairs.values()).most_common(FOLLOWED_SHOWN)
            ],
        )
        for query, pairs in found.items()
    ]
    candidates.sort(key=lambda c: (-c.clients, c.query))
    return candidates[:limit]


def _opened_after(
    miss: _Search, searches: list[_Search], clicks: dict, window: timedelta
) -> tuple[str, str] | None:
    """The first (query, record) the client opened from another search after the miss."""
    until = miss.at + window
    for search in searches:
        if search.at < miss.at or search.at > until or search.query == miss.query:
            continue
        for at, record in clicks.get((search.query, search.site), ()):
            if search.at <= at <= until:
                return search.query, record
    return None


def _clicks(conn, queries: set[str], start: datetime, end: datetime) -> dict:
    """(query, site) → [(time, SITE/ID)] of the clicks on results of these queries."""
    c = tables.search_clicks.c
    found: dict[tuple[str, str | None], list[tuple[datetime, str]]] = defaultdict(list)
    for chunk in _chunks(sorted(queries)):
        for row in conn.execute(
            select(c.at, c.query, c.site, c.record_site, c.record_id)
            .where(c.at >= start, c.at < end, c.query.in_(chunk))
            .order_by(c.at)
        ):
            found[(row.query, row.site)].append((row.at, f"{row.record_site}/{row.record_id}"))
    return found


def _titles(store: Store, keys: set[str]) -> dict[str, str]:
    r = tables.records.c
    pairs = [tuple(key.split("/", 1)) for key in sorted(keys)]
    titles: dict[str, str] = {}
    with store.read() as conn:
        for chunk in _chunks(pairs, 100):
            where = or_(*(and_(r.site == site, r.local_id == local) for site, local in chunk))
            for row in conn.execute(select(r.site, r.local_id, r.title).where(where)):
                titles[f"{row.site}/{row.local_id}"] = row.title
    return titles


def _chunks(items: list, size: int = _CHUNK):
    for i in range(0, len(items), size):
        yield items[i : i + size]
