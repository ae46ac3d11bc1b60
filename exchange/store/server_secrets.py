"""The service's own secrets, each a row of ``meta`` made on first use and shared by every
worker and host of the store: the dashboard's session signing key, the key of the search
log's client hashes. A backup carries them; a new store makes new ones."""

import contextlib
import secrets

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from exchange.store import tables
from exchange.store.engine import Store


def server_secret(store: Store, name: str) -> bytes:
    """The 32-byte secret called ``name``, made now if the store has none yet."""
    meta = tables.meta
    read = select(meta.c.value).where(meta.c.key == name)
    with store.read() as conn:
        found = conn.execute(read).scalar_one_or_none()
    if found is None:
        # Two workers may race to create it: the one that loses uses the winner's.
        with contextlib.suppress(IntegrityError), store.write() as conn:
            conn.execute(meta.insert().values(key=name, value=secrets.token_hex(32)))
        with store.read() as conn:
            found = conn.execute(read).scalar_one()
    return bytes.fromhex(found)
