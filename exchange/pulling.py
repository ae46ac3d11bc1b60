"""Pulling the change feed (``GET /v1/changes``) and single records, as the reader may see them.

A page is the next rows of the feed after the cursor, in sequence (= commit) order, within the
reader's scope (:class:`~exchange.store.sharing.Audience`); each row is the full record or a
content-free tombstone. The ``next`` cursor is the last row *scanned*, not the last one
returned: when a page is not full, it is the end of the feed as the page saw it, so rows the
reader's filters skip still move it forward and a quiet filter costs nothing the next time.

Long-poll: with ``wait``, an empty page is held back until something for this reader commits
or the wait runs out; the store's last sequence number is checked every
:data:`POLL_SECONDS`, which works across gunicorn workers and hosts without any notification.
"""

import time
from typing import Annotated, TypedDict

from exchange.cursor import decode, encode
from exchange.errors import NotFound
from exchange.record_output import Record, Tombstone, feed_entry, record_json
from exchange.store import Store
from exchange.store.feed import get_change, last_seq, read_changes
from exchange.store.migrations import store_id
from exchange.store.sharing import Audience
from exchange.store.sites import Site, SiteEntry, all_sites, branch_of

DEFAULT_LIMIT = 100
MAX_LIMIT = 1_000
MAX_WAIT = 30
POLL_SECONDS = 0.2


class ChangesPage(TypedDict):
    """A page of the change feed."""

    changes: list[Record | Tombstone]
    next: Annotated[str, "the cursor to pass as since"]
    more: Annotated[bool, "the page is full: more may follow at once"]
    sites: Annotated[
        dict[str, SiteEntry], "the sites the page mentions and their parents, to register first"
    ]


def read_page(
    store: Store,
    audience: Audience,
    since: str | None,
    limit: int = DEFAULT_LIMIT,
    sites: list[str] | None = None,
    wait: float = 0,
) -> ChangesPage:
    """One page of the feed after cursor ``since`` (None: from the start)."""
    deadline = time.monotonic() + wait
    with store.read() as conn:
        identity = store_id(conn)
        position = decode(since, identity, last_seq(conn)) if since else 0
    while True:
        with store.read() as conn:
            end = last_seq(conn)
            scope = audience.scope(sites=sites, up_to=end)
            changes = read_changes(conn, position, limit, scope) if end > position else []
            registry = all_sites(conn) if changes else {}
        if changes or time.monotonic() >= deadline:
            break
        position = end
        time.sleep(POLL_SECONDS)
    full = len(changes) == limit
    reached = changes[-1].seq if full else max(position, end)
    return {
        "changes": [feed_entry(change, audience) for change in changes],
        "next": encode(identity, reached),
        "more": full,
        "sites": _sites_of(registry, {change.site for change in changes}),
    }


def read_record(store: Store, audience: Audience, site: str, local_id: str) -> Record:
    """One record, if the reader may see it; the operator also sees records held for review."""
    with store.read() as conn:
        change = get_change(conn, site, local_id)
    if change is not None and (
        audience.sees(change) or (audience.kind == "operator" and not change.deleted)
    ):
        return record_json(change)
    raise NotFound(f"no record {site}/{local_id} that this key may see", code="unknown_record")


def _sites_of(registry: dict[str, Site], codes: set[str]) -> dict[str, SiteEntry]:
    """The sites a page mentions and their parents, so a mirror can register them in order."""
    wanted = {code for site in codes for code in branch_of(registry, site)}
    return {code: registry[code].as_dict() for code in sorted(wanted)}
