"""The rows a service catalogue is made of: records that are service items (办事服务), read
whole once and then as they change.

A record is a service item if its doc type is 办事服务 or it sits in a column whose kind is
``service`` (办事指南, 办事服务 …). Rows come back with what decides whether public search may
show them, so that the catalogue drops a record withdrawn, hidden or held after it was read.
"""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from exchange.store import tables
from exchange.store.tables import LIVE_REVIEW

SERVICE_DOC_TYPE = "办事服务"


@dataclass(frozen=True)
class ServiceRow:
    seq: int
    site: str
    local_id: str
    title: str
    body: str
    url: str
    published: datetime | None
    # False: withdrawn, not public, held for review, or no longer a service item.
    shown: bool


def service_columns(conn: Connection) -> set[tuple[str, str]]:
    c = tables.columns.c
    rows = conn.execute(select(c.site, c.path).where(c.kind == "service"))
    return {(row.site, row.path) for row in rows}


def read_service_rows(conn: Connection, after: int) -> tuple[list[ServiceRow], int]:
    """Service items changed after sequence number ``after`` (every one, from 0) and the last
    sequence number the read covers. From 0 only items shown are read; after that, every
    changed record comes back, so that one that stopped being shown is dropped."""
    r = tables.records.c
    columns = service_columns(conn)
    last = conn.execute(select(func.coalesce(func.max(r.seq), 0))).scalar_one()
    statement = select(
        r.seq, r.site, r.local_id, r.title, r.body, r.url, r.published_at, r.doc_type,
        r.column_path, r.deleted, r.public, r.review,
    ).where(r.seq > after, r.seq <= last)  # fmt: skip
    if after == 0:
        paths = [path for _, path in columns]
        statement = statement.where(
            (r.doc_type == SERVICE_DOC_TYPE) | r.column_path.in_(paths),
            r.deleted.is_(False),
            r.public.is_(True),
            r.review.in_(LIVE_REVIEW),
        )
    rows = []
    for row in conn.execute(statement.order_by(r.seq)):
        service = row.doc_type == SERVICE_DOC_TYPE or (row.site, row.column_path) in columns
        shown = service and not row.deleted and row.public and row.review in LIVE_REVIEW
        fields = (row.seq, row.site, row.local_id, row.title, row.body, row.url)
        rows.append(ServiceRow(*fields, row.published_at, shown))
    return rows, last
