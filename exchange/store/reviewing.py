"""The confidentiality review queue (保密审核): held records wait here for the operator.

*Release* makes a held record visible to whoever its sharing rules allow and lets the indexer
take it; *reject* keeps it out for good (until its site pushes new content, which is screened
again). Either decision is a change: it takes the next sequence number, and it is written to
the audit log in the same transaction, with the operator's note.
"""

from datetime import UTC, datetime

from sqlalchemy import select

from exchange.errors import Conflict, InvalidInput, NotFound
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store
from exchange.store.feed import Change, get_change
from exchange.store.sharing import reach_of
from exchange.store.writing import take_numbers

DECISIONS = {"release": "released", "reject": "rejected"}


def held_records(store: Store, site: str | None = None, limit: int = 100) -> list[Change]:
    """Records awaiting review, oldest first."""
    r = tables.records.c
    statement = (
        select(r.site, r.local_id)
        .where(r.review == "held", r.deleted.is_(False))
        .order_by(r.seq)
        .limit(limit)
    )
    if site is not None:
        statement = statement.where(r.site == site)
    with store.read() as conn:
        keys = conn.execute(statement).all()
        return [get_change(conn, key.site, key.local_id) for key in keys]


def decide(
    store: Store, site: str, local_id: str, decision: str, actor: str, note: str = ""
) -> Change:
    """Release or reject a held record; returns it as it now stands."""
    if decision not in DECISIONS:
        raise InvalidInput(f"decision must be one of {', '.join(DECISIONS)}", field="decision")
    r = tables.records.c
    with store.write() as conn:
        row = conn.execute(
            select(r.id, r.review, r.deleted, r.share, r.public, r.reach)
            .where(r.site == site, r.local_id == local_id)
            .with_for_update()
        ).first()
        if row is None or row.deleted:
            raise NotFound(f"no record {site}/{local_id}", code="unknown_record")
        if row.review != "held":
            raise Conflict(f"{site}/{local_id} is not awaiting review ({row.review})",
                           code="not_held")  # fmt: skip
        review = DECISIONS[decision]
        reach = max(row.reach, reach_of(False, review, row.share, row.public))
        seq = take_numbers(conn, 1)
        conn.execute(
            tables.records.update()
            .where(r.id == row.id)
            .values(
                review=review,
                reach=reach,
                seq=seq,
                received_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )
        audit(conn, actor, f"review.{decision}", site, local_id, seq=seq, note=note[:500])
        return get_change(conn, site, local_id)
