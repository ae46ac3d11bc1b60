"""The change feed: records in the order of their change sequence numbers.

A record appears once, at the number of its latest change; a withdrawn record appears as a
tombstone. Reading ``seq > cursor`` in order never skips a change, because numbers are taken
in commit order (see :mod:`exchange.store.writing`). The indexer reads the feed through
:class:`IndexFeed`, the same query that pullers use.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, select

from exchange.record_input import CLUSTER_TZ
from exchange.store import tables
from exchange.store.engine import Store
from exchange.store.sites import Site, all_sites, branch_of
from indexer.documents import IndexDocument

_LIVE_REVIEW = ("none", "released")


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


def read_changes(conn: Connection, since: int, limit: int, sites: list[str] | None = None):
    """Changes after ``since`` in sequence order, at most ``limit``, optionally for some sites."""
    r = tables.records.c
    statement = select(tables.records).where(r.seq > since).order_by(r.seq).limit(limit)
    if sites is not None:
        statement = statement.where(r.site.in_(sites))
    return [_change(row) for row in conn.execute(statement)]


def last_seq(conn: Connection) -> int:
    return conn.execute(select(func.coalesce(func.max(tables.records.c.seq), 0))).scalar_one()


def _change(row) -> Change:
    return Change(
        seq=row.seq,
        site=row.site,
        local_id=row.local_id,
        version=row.version,
        deleted=row.deleted,
        held=row.review not in _LIVE_REVIEW,
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
    )


class IndexFeed:
    """The store's change feed as the indexer's :class:`~indexer.documents.ChangeSource`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def changes_after(self, seq: int, limit: int) -> list[IndexDocument]:
        with self.store.read() as conn:
            changes = read_changes(conn, seq, limit)
            sites = all_sites(conn)
        return [_document(change, sites) for change in changes]

    def last_seq(self) -> int:
        with self.store.read() as conn:
            return last_seq(conn)

    def cluster_names(self) -> list[str]:
        with self.store.read() as conn:
            return [site.name for site in all_sites(conn).values()]


def _document(change: Change, sites: dict[str, Site]) -> IndexDocument:
    if not change.searchable:
        return IndexDocument(key=change.key, seq=change.seq, live=False)
    site = sites.get(change.site)
    published = change.published
    if published is not None:
        # The index keeps the cluster's local time: its year facet and date filters are local.
        published = published.replace(tzinfo=UTC).astimezone(CLUSTER_TZ).replace(tzinfo=None)
    return IndexDocument(
        key=change.key,
        seq=change.seq,
        live=True,
        site=change.site,
        site_name=site.name if site else change.site,
        tier=site.tier if site else "",
        branch=branch_of(sites, change.site),
        column=change.column,
        doc_type=change.doc_type,
        title=change.title,
        body=change.body,
        url=change.url,
        published=published,
        disclosure=change.disclosure(),
    )
