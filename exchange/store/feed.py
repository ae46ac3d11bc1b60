"""The change feed: records in the order of their change sequence numbers.

A record appears once, at the number of its latest change; a withdrawn record appears as a
tombstone. Reading ``seq > cursor`` in order never skips a change, because numbers are taken
in commit order (see :mod:`exchange.store.writing`). :func:`read_changes` is the one query of
the feed: the indexer reads it through :class:`exchange.index_feed.IndexFeed`, pullers
through ``GET /v1/changes``, harvesters through OAI-PMH, each with the :class:`FeedScope` of
what it may be told about.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from exchange.store import tables
from exchange.store.tables import LIVE_REVIEW


@dataclass(frozen=True)
class Change:
    """One row of the feed: a record's state as of sequence number ``seq``."""

    seq: int
    site: str
    local_id: str
    version: int
    deleted: bool
    held: bool
    public: bool
    share: str
    title: str
    body: str
    url: str
    column: str
    doc_type: str
    published: datetime | None
    updated: datetime | None
    index_no: str
    issuer: str
    doc_no: str
    subject: str
    written: str | None
    review: str = "none"
    received: datetime | None = None
    reach: int = 0

    @property
    def key(self) -> str:
        return f"{self.site}/{self.local_id}"

    @property
    def searchable(self) -> bool:
        """Whether public search may show it: live, public and not held for review."""
        return not self.deleted and not self.held and self.public

    def disclosure(self) -> dict[str, str]:
        """Government-disclosure metadata (政府信息公开), only the fields that are present."""
        fields = {
            "index_no": self.index_no,
            "issuer": self.issuer,
            "doc_no": self.doc_no,
            "subject": self.subject,
            "written": self.written or "",
        }
        return {k: v for k, v in fields.items() if v}


@dataclass(frozen=True)
class FeedScope:
    """Which rows of the feed a reader scans: some sites or a column, changes in a time range or
    up to a sequence number, and — for a reader other than the operator — only records whose
    reach (:mod:`exchange.store.sharing`) got as far as ``min_reach``, or that it ``owned``."""

    sites: Sequence[str] | None = None
    column: str | None = None
    min_reach: int = 0
    owned: Sequence[str] = ()
    changed_from: datetime | None = None
    changed_until: datetime | None = None
    up_to: int | None = None


def read_changes(
    conn: Connection, since: int, limit: int, scope: FeedScope | None = None
) -> list[Change]:
    """Changes after ``since`` in sequence order, at most ``limit``, within ``scope``."""
    r = tables.records.c
    statement = select(tables.records).where(r.seq > since, *_where(scope))
    return [_change(row) for row in conn.execute(statement.order_by(r.seq).limit(limit))]


def recent_changes(
    conn: Connection, scope: FeedScope, limit: int, before: int | None = None
) -> list[Change]:
    """The newest changes first, below sequence number ``before`` (the pages of an Atom feed)."""
    r = tables.records.c
    statement = select(tables.records).where(*_where(scope))
    if before is not None:
        statement = statement.where(r.seq < before)
    return [_change(row) for row in conn.execute(statement.order_by(r.seq.desc()).limit(limit))]


def get_change(conn: Connection, site: str, local_id: str) -> Change | None:
    """One record's latest change."""
    r = tables.records.c
    row = conn.execute(select(tables.records).where(r.site == site, r.local_id == local_id)).first()
    return _change(row) if row else None


def _where(scope: FeedScope | None) -> list:
    r = tables.records.c
    if scope is None:
        return []
    clauses = []
    if scope.sites is not None:
        clauses.append(r.site.in_(scope.sites))
    if scope.column is not None:
        clauses.append(r.column_path == scope.column)
    if scope.min_reach:
        reached = r.reach >= scope.min_reach
        clauses.append(reached | r.site.in_(scope.owned) if scope.owned else reached)
    if scope.changed_from is not None:
        clauses.append(r.received_at >= scope.changed_from)
    if scope.changed_until is not None:
        clauses.append(r.received_at <= scope.changed_until)
    if scope.up_to is not None:
        clauses.append(r.seq <= scope.up_to)
    return clauses


def last_seq(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(tables.records.c.seq), 0))).scalar_one()


def _change(row) -> Change:
    return Change(
        seq=row.seq,
        site=row.site,
        local_id=row.local_id,
        version=row.version,
        deleted=row.deleted,
        held=row.review not in LIVE_REVIEW,
        public=row.public,
        share=row.share,
        title=row.title,
        body=row.body,
        url=row.url,
        column=row.column_path,
        doc_type=row.doc_type,
        published=row.published_at,
        updated=row.updated_at,
        index_no=row.index_no,
        issuer=row.issuer,
        doc_no=row.doc_no,
        subject=row.subject,
        written=row.written_on.isoformat() if row.written_on else None,
        review=row.review,
        received=row.received_at,
        reach=row.reach,
    )
