"""What supervision counts as *published* (已发布): what a citizen can see on the site.

A record counts when it is live (not a tombstone), public, and not held or rejected by the
confidentiality review. Counting only these keeps the public statistics from revealing how
many non-public or held items a site has, and judges a column's freshness the way an
inspector visiting the site would.
"""

from sqlalchemy import ColumnElement, and_

from exchange.store import tables
from exchange.store.feed import LIVE_REVIEW


def published() -> ColumnElement[bool]:
    r = tables.records.c
    return and_(r.deleted.is_(False), r.public.is_(True), r.review.in_(LIVE_REVIEW))
