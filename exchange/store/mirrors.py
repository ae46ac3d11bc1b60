"""Where each mirror (``zhanqun pull``) has got to in its origin's change feed."""

from datetime import UTC, datetime

from sqlalchemy import Connection, select

from exchange.store import tables
from exchange.store.engine import Store


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
