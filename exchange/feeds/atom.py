"""Atom feeds (RFC 4287) of a site or one of its columns, with deletions as RFC 6721 tombstones.

``GET /feeds/{site}`` and ``GET /feeds/{site}/{column path}`` list the newest changes first:
an ``entry`` for a record anyone may read, an ``at:deleted-entry`` for one that was readable
and is no longer (withdrawn, narrowed, held). Older changes are on the pages that the
``rel="next"`` link points to (RFC 5005 paged feeds, ``?before=SEQ``).

An entry's id names the record, not a version of it — ``tag:zhanqun,2024:SITE/ID`` — so a
reader replaces an entry it has, and a tombstone's ``ref`` names the entry it removes.
"""

from urllib.parse import quote, urlencode

from sqlalchemy import select

from exchange.errors import NotFound
from exchange.feeds.xmltext import element, markup, utc_stamp
from exchange.links import web_link
from exchange.record_input import to_cluster_time
from exchange.store import Store, tables
from exchange.store.feed import Change, recent_changes
from exchange.store.sharing import Audience
from exchange.store.sites import Site

ATOM = "http://www.w3.org/2005/Atom"
TOMBSTONES = "http://purl.org/atompub/tombstones/1.0"
MEDIA_TYPE = "application/atom+xml; charset=utf-8"
DOC_TYPES = "tag:zhanqun,2024:doc-type"
COLUMNS = "tag:zhanqun,2024:column"
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


def entry_id(site: str, local_id: str) -> str:
    return f"tag:zhanqun,2024:{site}/{quote(local_id, safe='')}"


def site_feed(
    store: Store,
    site: Site,
    column: str | None,
    feed_url: str,
    limit: int = DEFAULT_LIMIT,
    before: int | None = None,
) -> bytes:
    """The Atom document of one page of a site's (or a column's) feed."""
    anyone = Audience.anyone()
    with store.read() as conn:
        if column is not None:
            c = tables.columns.c
            known = conn.execute(select(c.id).where(c.site == site.code, c.path == column))
            if known.first() is None:
                raise NotFound(f"site {site.code} has no column {column}", code="unknown_column")
        scope = anyone.scope(sites=[site.code], column=column)
        changes = recent_changes(conn, scope, limit + 1, before)
    more, changes = len(changes) > limit, changes[:limit]
    feed_key = site.code + (f"/{quote(column)}" if column else "")
    parts = [
        element("id", f"tag:zhanqun,2024:feed/{feed_key}"),
        element("title", f"{site.name} · {column}" if column else site.name),
        element("updated", utc_stamp(changes[0].received if changes else None)),
        markup("author", element("name", site.name)),
        markup("link", attrs={"rel": "self", "href": _page_url(feed_url, limit, before)}),
    ]
    if site.base_url:
        parts.append(markup("link", attrs={"rel": "alternate", "href": site.base_url}))
    if more:
        next_page = _page_url(feed_url, limit, changes[-1].seq)
        parts.append(markup("link", attrs={"rel": "next", "href": next_page}))
    for change in changes:
        parts.append(_entry(change, site) if anyone.sees(change) else _tombstone(change))
    document = markup("feed", "".join(parts), {"xmlns": ATOM, "xmlns:at": TOMBSTONES})
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + document).encode()


def _entry(change: Change, site: Site) -> str:
    parts = [
        element("id", entry_id(change.site, change.local_id)),
        element("title", change.title, {"type": "text"}),
        element("updated", utc_stamp(change.received)),
        markup("author", element("name", change.issuer or site.name)),
        element("content", change.body, {"type": "text"}),
    ]
    if change.published is not None:
        parts.append(element("published", to_cluster_time(change.published)))
    if link := web_link(change.url):
        parts.append(markup("link", attrs={"rel": "alternate", "href": link}))
    if change.doc_type:
        parts.append(markup("category", attrs={"term": change.doc_type, "scheme": DOC_TYPES}))
    if change.column:
        parts.append(markup("category", attrs={"term": change.column, "scheme": COLUMNS}))
    return markup("entry", "".join(parts))


def _tombstone(change: Change) -> str:
    attrs = {"ref": entry_id(change.site, change.local_id), "when": utc_stamp(change.received)}
    return markup("at:deleted-entry", attrs=attrs)


def _page_url(feed_url: str, limit: int, before: int | None) -> str:
    query = {"limit": str(limit)} if limit != DEFAULT_LIMIT else {}
    if before is not None:
        query["before"] = str(before)
    return feed_url + ("?" + urlencode(query) if query else "")
