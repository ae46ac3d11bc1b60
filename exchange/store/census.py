"""The store's side of the indexer's census (:mod:`indexer.census`, which
:class:`exchange.index_feed.IndexFeed` hands it as a ``StoreCensus``): how many records were
searchable at a sequence number, which keys changed after it, and a random sample of keys.

Read committed (PostgreSQL's default) gives each statement its own snapshot, so a record can
move past ``up_to`` between the count and the list of moved keys. Records only ever move up,
so reading the moved keys before and after the count and finding the same set proves no
record crossed in between; otherwise the census is read again.
"""

import random
from typing import NamedTuple

from sqlalchemy import Connection, func, select

from exchange.store import tables
from exchange.store.tables import LIVE_REVIEW

_ATTEMPTS = 5


class Census(NamedTuple):
    """Searchable records at ``up_to``, keys changed since, a sample of searchable keys."""

    up_to: int
    searchable: int
    changed_after: frozenset[str]
    sample: tuple[str, ...]


def _searchable():
    r = tables.records.c
    return [~r.deleted, r.public, r.review.in_(LIVE_REVIEW)]


def _moved(conn: Connection, up_to: int) -> frozenset[str]:
    r = tables.records.c
    rows = conn.execute(select(r.site, r.local_id).where(r.seq > up_to))
    return frozenset(f"{site}/{local_id}" for site, local_id in rows)


def _sample(conn: Connection, up_to: int, size: int, rng: random.Random) -> tuple[str, ...]:
    """Keys of searchable records at random points of the sequence (the first searchable one
    at or after each point), found through the sequence index."""
    r = tables.records.c
    keys: dict[str, None] = {}
    for _ in range(size if up_to else 0):
        point = rng.randint(1, up_to)
        row = conn.execute(
            select(r.site, r.local_id)
            .where(r.seq >= point, r.seq <= up_to, *_searchable())
            .order_by(r.seq)
            .limit(1)
        ).first()
        if row is not None:
            keys[f"{row.site}/{row.local_id}"] = None
    return tuple(keys)


def read_census(
    conn: Connection, up_to: int, sample: int, rng: random.Random | None = None
) -> Census:
    r = tables.records.c
    count = select(func.count()).select_from(tables.records).where(r.seq <= up_to, *_searchable())
    for _ in range(_ATTEMPTS):
        before = _moved(conn, up_to)
        searchable = conn.execute(count).scalar_one()
        if _moved(conn, up_to) == before:
            break
    else:
        raise RuntimeError(f"records kept moving past change {up_to} while counting them")
    keys = _sample(conn, up_to, sample, rng or random.Random())
    return Census(up_to, searchable, before, keys)
