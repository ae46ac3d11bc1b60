"""A record on the way out: the push format plus its place in the feed.

A full record carries every key a push may send (see docs/records.md), so a mirror can push
what it pulled as it is, plus ``site``, ``seq`` and the stored ``version``. A tombstone
carries no content at all: ``site``, ``id``, ``seq`` and ``deleted: true``.
"""

from typing import Annotated, Literal, NotRequired, TypedDict

from exchange.json_schema import DateTime, Schema
from exchange.links import web_link
from exchange.record_input import SHARE_TYPES, to_cluster_time
from exchange.store.feed import Change
from exchange.store.sharing import Audience

LocalTime = Annotated[DateTime, "the cluster's time (UTC+8)"]


class Record(TypedDict):
    """A record as pulled: what a push may send, plus its place in the feed."""

    site: str
    id: str
    seq: Annotated[int, "its place in the change feed"]
    version: int
    deleted: Literal[False]
    title: str
    body: str
    url: Annotated[str, "its page; empty when it has none"]
    column: str
    doc_type: str
    published: LocalTime | None
    updated: LocalTime | None
    share: Annotated[str, Schema(enum=SHARE_TYPES)]
    public: bool
    index_no: NotRequired[str]
    issuer: NotRequired[str]
    doc_no: NotRequired[str]
    subject: NotRequired[str]
    written: NotRequired[str]
    review: NotRequired[Annotated[str, "the confidentiality review (保密审查): held, released, …"]]


class Tombstone(TypedDict):
    """A record withdrawn, or no longer visible to the reader: its copy must go."""

    site: str
    id: str
    seq: int
    deleted: Literal[True]


def record_json(change: Change) -> Record:
    out: Record = {
        "site": change.site,
        "id": change.local_id,
        "seq": change.seq,
        "version": change.version,
        "deleted": False,
        "title": change.title,
        "body": change.body,
        # Stored before push refused unsafe URLs, perhaps: never handed on as a link.
        "url": web_link(change.url),
        "column": change.column,
        "doc_type": change.doc_type,
        "published": to_cluster_time(change.published),
        "updated": to_cluster_time(change.updated),
        "share": change.share,
        "public": change.public,
        **change.disclosure(),
    }
    if change.review != "none":
        out["review"] = change.review
    return out


def tombstone_json(change: Change) -> Tombstone:
    return {"site": change.site, "id": change.local_id, "seq": change.seq, "deleted": True}


def feed_entry(change: Change, audience: Audience) -> Record | Tombstone:
    """What ``audience`` is told about a change: the record, or that its copy must go."""
    return record_json(change) if audience.sees(change) else tombstone_json(change)
