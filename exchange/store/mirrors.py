"""Where each mirror (``zhanqun pull``) has got to in its origin's change feed, and the state of
its copies while it re-reads a feed whose origin was restored (:mod:`exchange.mirror_resync`)."""

from datetime import UTC, datetime

from sqlalchemy import Connection, bindparam, select

from exchange.store import tables
from exchange.store.engine import Store

UNCONFIRMED = -1
"""The version of a mirrored copy made before its origin was restored and not yet seen again in
the origin's feed. Below every version the origin gives (its sequence numbers), so whatever the
origin now says about the record is applied, whether its number is above the copy's old one
or not."""


def mirror_cursor(store: Store, origin: str) -> str | None:
    c = tables.mirror_cursors.c
    with store.read() as conn:
        return conn.execute(select(c.cursor).where(c.origin == origin)).scalar_one_or_none()


def save_mirror_cursor(conn: Connection, origin: str, cursor: str) -> None:
    """Inside the transaction of the last batch it covers, so the two commit together."""
    c = tables.mirror_cursors.c
    now = datetime.now(UTC).replace(tzinfo=None)
    updated = conn.execute(
        tables.mirror_cursors.update()
        .where(c.origin == origin)
        .values(cursor=cursor, updated_at=now)
    ).rowcount
    if not updated:
        conn.execute(
            tables.mirror_cursors.insert().values(origin=origin, cursor=cursor, updated_at=now)
        )


def mirrored_sites(conn: Connection, actor: str) -> list[str]:
    """The sites a mirror has written to: every batch it applies is audited under its actor."""
    a = tables.audit_log.c
    statement = (
        select(a.site)
        .where(a.actor == actor[:64], a.action == "pull", a.site.is_not(None))
        .distinct()
    )
    return sorted(conn.execute(statement).scalars())


def unconfirm(conn: Connection, sites: list[str]) -> int:
    """Mark every record of ``sites`` as a copy awaiting confirmation; returns how many."""
    r = tables.records.c
    if not sites:
        return 0
    statement = tables.records.update().where(r.site.in_(sites)).values(version=UNCONFIRMED)
    return conn.execute(statement).rowcount


def confirm(conn: Connection, site: str, versions: dict[str, int]) -> None:
    """Give copies the origin found unchanged their version there (no new change: same content)."""
    if not versions:
        return
    r = tables.records.c
    statement = (
        tables.records.update()
        .where(r.site == site, r.local_id == bindparam("k_id"), r.version < 0)
        .values(version=bindparam("k_version"))
    )
    conn.execute(statement, [{"k_id": k, "k_version": v} for k, v in versions.items()])


def unconfirmed(store: Store, sites: list[str], limit: int) -> dict[str, list[str]]:
    """Up to ``limit`` copies still awaiting confirmation, by site."""
    r = tables.records.c
    if not sites:
        return {}
    statement = (
        select(r.site, r.local_id)
        .where(r.site.in_(sites), r.version < 0)
        .order_by(r.site, r.local_id)
        .limit(limit)
    )
    found: dict[str, list[str]] = {}
    with store.read() as conn:
        for site, local_id in conn.execute(statement):
            found.setdefault(site, []).append(local_id)
    return found
