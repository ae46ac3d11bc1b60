"""The one write path into the store: push and import both come through :func:`apply_batch`.

Every accepted change takes the next number of the change sequence. The counter row is
updated last in the transaction and stays locked until commit, so writers take numbers in
the order they commit — on SQLite (one writer at a time anyway) and on PostgreSQL alike —
and a puller reading ``seq > cursor`` can never skip a row that commits late.

Versions make retries and out-of-order delivery harmless: an item with a lower version than
the stored one is *stale*, identical content is *unchanged*, and neither takes a number.

An item carrying a classification mark (the caller's rule, :mod:`exchange.classification`)
is *held* for confidentiality review: stored with a number, but seen by no reader until it is
released.

:func:`write_batch` writes in a transaction the caller opened (``with store.write() as
conn``), so that what the caller records beside it — the audit entry, the response kept for an
idempotency key, a mirror's cursor — commits with the batch or not at all.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, select, update

from exchange.errors import Conflict
from exchange.store import tables
from exchange.store.items import Deletion, RecordInput
from exchange.store.migrations import CHANGE_SEQ
from exchange.store.sharing import reach_of
from exchange.store.sites import ensure_columns, require_site

MAX_BATCH = 1_000


@dataclass(frozen=True)
class ItemResult:
    """What happened to one item: created, updated, deleted, held, unchanged, stale, rejected
    (refused by review) or not_found."""

    id: str
    outcome: str
    seq: int | None = None
    version: int | None = None
    reason: str | None = None

    def as_dict(self) -> dict:
        out: dict = {"id": self.id, "outcome": self.outcome}
        if self.seq is not None:
            out["seq"] = self.seq
        if self.version is not None:
            out["version"] = self.version
        if self.reason:
            out["reason"] = self.reason
        return out


MarkOf = Callable[[str, str], str | None]
"""The classification mark a record's title and body carry, or None: such a record is held."""


def write_batch(
    conn: Connection, site: str, items: list[RecordInput | Deletion], mark_of: MarkOf
) -> list[ItemResult]:
    """Write a batch for one site in the caller's transaction; durable when it commits."""
    if len(items) > MAX_BATCH:
        raise ValueError(f"at most {MAX_BATCH} items a batch")
    # Batches for one site take turns from here to commit, so each decides on what the one
    # before it wrote: two that create the same new record on PostgreSQL give created and
    # unchanged instead of a unique-key violation. (SQLite runs one writer at a time anyway;
    # NO KEY UPDATE leaves rows that refer to the site free to be written meanwhile.)
    s = tables.sites.c
    conn.execute(select(s.code).where(s.code == site).with_for_update(key_share=True))
    owner = require_site(conn, site)
    if owner.state != "open":
        raise Conflict(f"site {site} is closed", code="site_closed")
    return _apply(conn, site, items, mark_of)


def _apply(
    conn: Connection, site: str, items: list[RecordInput | Deletion], mark_of: MarkOf
) -> list[ItemResult]:
    r = tables.records.c
    ids = list({item.local_id for item in items})
    columns = (r.id, r.local_id, r.version, r.content_hash, r.deleted, r.review, r.reach)
    # FOR UPDATE: on PostgreSQL a concurrent review decision on these records waits for the
    # batch, or the batch for it (SQLite writers are serialised already).
    existing = {
        row.local_id: row
        for row in conn.execute(
            select(*columns).where(r.site == site, r.local_id.in_(ids)).with_for_update()
        )
    }
    now = datetime.now(UTC).replace(tzinfo=None)
    results: list[ItemResult] = []
    written: list[int] = []
    pending: dict[str, dict] = {}
    for item in items:
        result, row = _decide(item, existing.get(item.local_id), now, mark_of)
        results.append(result)
        if row is None:
            continue
        written.append(len(results) - 1)
        # A later item for the same id in this batch builds on the earlier one.
        if item.local_id in pending:
            pending[item.local_id].update(row)
        else:
            pending[item.local_id] = row
        existing[item.local_id] = _Seen(
            row.get("id"), item.local_id, row["version"], row["content_hash"], row["deleted"],
            row["review"], row["reach"],
        )  # fmt: skip
    changed = list(pending.values())
    if not changed:
        return results
    last = take_numbers(conn, len(changed))
    first = last - len(changed) + 1
    for offset, row in enumerate(changed):
        row["seq"] = first + offset
    _write(conn, site, [row for row in changed if "id" not in row],
           [row for row in changed if "id" in row])  # fmt: skip
    seqs = {row["local_id"]: row["seq"] for row in changed}
    for index in written:
        results[index] = replace(results[index], seq=seqs[results[index].id])
    return results


@dataclass
class _Seen:
    id: int | None
    local_id: str
    version: int
    content_hash: str
    deleted: bool
    review: str
    reach: int


def _decide(
    item: RecordInput | Deletion, old, now: datetime, mark_of: MarkOf
) -> tuple[ItemResult, dict | None]:
    if isinstance(item, Deletion):
        return _decide_deletion(item, old, now)
    content_hash = item.content_hash()
    if old is not None:
        if item.version is not None and item.version < old.version:
            return ItemResult(item.local_id, "stale", version=old.version,
                              reason=f"stored version {old.version} is newer"), None  # fmt: skip
        if not old.deleted and old.content_hash == content_hash:
            return _same_content(item.local_id, old), None
        if item.version is not None and item.version == old.version:
            return ItemResult(item.local_id, "stale", version=old.version,
                              reason="same version with different content"), None  # fmt: skip
    version = item.version if item.version is not None else (old.version + 1 if old else 1)
    row = _row(item, content_hash, version, now)
    mark = mark_of(item.title, item.body)
    if mark:
        row["review"] = "held"
    now_reach = reach_of(False, row["review"], item.share, item.public)
    row["reach"] = max(old.reach, now_reach) if old is not None else now_reach
    if old is not None and old.id is not None:
        row["id"] = old.id
    if mark:
        reason = f"carries the classification mark {mark}: held for confidentiality review"
        return ItemResult(item.local_id, "held", version=version, reason=reason), row
    if old is not None and old.id is None:
        # Created earlier in this same batch: still an insert, now of the newer content.
        return ItemResult(item.local_id, "created", version=version), row
    outcome = "updated" if old is not None and not old.deleted else "created"
    return ItemResult(item.local_id, outcome, version=version), row


def _same_content(local_id: str, old) -> ItemResult:
    """A repeat of what is stored changes nothing, but says where review left it."""
    if old.review == "held":
        return ItemResult(local_id, "held", version=old.version,
                          reason="awaiting confidentiality review")  # fmt: skip
    if old.review == "rejected":
        return ItemResult(local_id, "rejected", version=old.version,
                          reason="refused by confidentiality review")  # fmt: skip
    return ItemResult(local_id, "unchanged", version=old.version)


def _decide_deletion(item: Deletion, old, now: datetime) -> tuple[ItemResult, dict | None]:
    if old is None:
        return ItemResult(item.local_id, "not_found", reason="no such record"), None
    if item.version is not None and item.version < old.version:
        return ItemResult(item.local_id, "stale", version=old.version,
                          reason=f"stored version {old.version} is newer"), None  # fmt: skip
    if old.deleted:
        return ItemResult(item.local_id, "unchanged", version=old.version), None
    version = (
        item.version
        if item.version is not None and item.version > old.version
        else (old.version + 1)
    )
    row = {
        "local_id": item.local_id,
        "version": version,
        "content_hash": "",
        "deleted": True,
        "body": "",
        "received_at": now,
        "review": old.review,
        "reach": old.reach,
    }
    if old.id is not None:
        row["id"] = old.id
    return ItemResult(item.local_id, "deleted", version=version), row


def _row(item: RecordInput, content_hash: str, version: int, now: datetime) -> dict:
    return {
        "local_id": item.local_id,
        "version": version,
        "content_hash": content_hash,
        "deleted": False,
        "review": "none",
        "url": item.url,
        "title": item.title,
        "body": item.body,
        "column_path": item.column,
        "doc_type": item.doc_type,
        "published_at": item.published,
        "updated_at": item.updated,
        "share": item.share,
        "public": item.public,
        "index_no": item.index_no,
        "issuer": item.issuer,
        "doc_no": item.doc_no,
        "subject": item.subject,
        "written_on": item.written,
        "received_at": now,
    }


def take_numbers(conn: Connection, count: int) -> int:
    """Reserve ``count`` sequence numbers; returns the last. Locks the counter until commit, so
    every write that takes a number (a batch, a review decision) must take it here."""
    c = tables.counters.c
    return conn.execute(
        update(tables.counters)
        .where(c.name == CHANGE_SEQ)
        .values(value=c.value + count)
        .returning(c.value)
    ).scalar_one()


def _write(conn: Connection, site: str, inserts: list[dict], updates: list[dict]) -> None:
    paths = {row["column_path"] for row in inserts + updates if "column_path" in row}
    ensure_columns(conn, site, paths)
    if inserts:
        conn.execute(tables.records.insert(), [{**row, "site": site} for row in inserts])
    # Group updates by the set of columns they touch: an executemany needs one shape.
    shapes: dict[tuple[str, ...], list[dict]] = {}
    for row in updates:
        shapes.setdefault(tuple(sorted(row)), []).append(row)
    r = tables.records
    for keys, rows in shapes.items():
        values = {k: bindparam(f"v_{k}") for k in keys if k != "id"}
        statement = r.update().where(r.c.id == bindparam("v_id")).values(values)
        conn.execute(statement, [{f"v_{k}": v for k, v in row.items()} for row in rows])
