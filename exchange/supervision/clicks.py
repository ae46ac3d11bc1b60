"""Clicks (点击): which result a citizen opened from the results page, for which query.

The results page reports a click in one of two ways, both without JavaScript of its own
(docs/supervision.md): a result link through ``GET /click?…``, which records the click and
redirects to the record's page, or the link's ``ping`` attribute (or ``sendBeacon``) to
``POST /v1/clicks?…``. Either way only a published record can be named, so the redirect can
never be turned into an open redirect to somewhere outside the cluster.

Clicks are much rarer than searches, so each is written as it comes.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from exchange.errors import InvalidInput, NotFound
from exchange.links import is_web_link
from exchange.query_screen import normalise
from exchange.store import Store, tables
from exchange.supervision.published import published

MAX_QUERY = 256
MAX_POSITION = 10_000


@dataclass(frozen=True)
class Click:
    """``record`` is ``SITE/ID``; ``site`` is the site whose search box was used."""

    query: str
    record: str
    site: str | None = None
    position: int | None = None


def record_click(store: Store, click: Click) -> str:
    """Log a click on a published record; returns the record's URL."""
    record_site, _, local_id = click.record.partition("/")
    if not record_site or not local_id:
        raise InvalidInput("r must name a record as SITE/ID", field="r")
    if click.position is not None and not 1 <= click.position <= MAX_POSITION:
        raise InvalidInput(f"pos must be between 1 and {MAX_POSITION}", field="pos")
    r = tables.records.c
    with store.write() as conn:
        url = conn.execute(
            select(r.url).where(r.site == record_site, r.local_id == local_id, published())
        ).scalar_one_or_none()
        if url is None:
            raise NotFound(f"no published record {click.record}", code="unknown_record")
        if not is_web_link(url):
            raise NotFound(f"record {click.record} has no web page", code="no_page")
        conn.execute(
            tables.search_clicks.insert().values(
                at=datetime.now(UTC).replace(tzinfo=None),
                # Folded like the search log, so that a click meets the search it came from.
                query=normalise(click.query)[:MAX_QUERY],
                site=(click.site or None) and click.site[:32],
                record_site=record_site,
                record_id=local_id,
                position=click.position,
            )
        )
    return url
