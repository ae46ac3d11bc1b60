"""A record on the way out: the push format plus its place in the feed.

A full record carries every key a push may send (see docs/records.md), so a mirror can push
what it pulled as it is, plus ``site``, ``seq`` and the stored ``version``. A tombstone
carries no content at all: ``site``, ``id``, ``seq`` and ``deleted: true``.
"""

from exchange.links import web_link
from exchange.record_input import to_cluster_time
from exchange.store.feed import Change
from exchange.store.sharing import Audience


def record_json(change: Change) -> dict:
    out = {
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


def tombstone_json(change: Change) -> dict:
    return {"site": change.site, "id": change.local_id, "seq": change.seq, "deleted": True}


def feed_entry(change: Change, audience: Audience) -> dict:
    """What ``audience`` is told about a change: the record, or that its copy must go."""
    return record_json(change) if audience.sees(change) else tombstone_json(change)
