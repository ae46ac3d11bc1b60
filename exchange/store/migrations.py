"""Versioned store schema. A store records its version; opening an older one upgrades it step by
step, opening one written by a newer release is refused rather than misread.

To change the schema: add a function ``_to_N(connection)`` and list it in ``STEPS``.
"""

from collections.abc import Callable

from sqlalchemy import Connection, inspect, select

from exchange.errors import Unavailable
from exchange.store import tables

SCHEMA_VERSION = 1
CHANGE_SEQ = "change_seq"


def _to_1(connection: Connection) -> None:
    tables.metadata.create_all(connection)
    connection.execute(tables.counters.insert().values(name=CHANGE_SEQ, value=0))


STEPS: dict[int, Callable[[Connection], None]] = {1: _to_1}


def stored_version(connection: Connection) -> int:
    if not inspect(connection).has_table("meta"):
        return 0
    row = connection.execute(
        select(tables.meta.c.value).where(tables.meta.c.key == "schema_version")
    ).first()
    return int(row[0]) if row else 0


def upgrade(connection: Connection) -> int:
    """Bring the store to :data:`SCHEMA_VERSION`; returns the version it had."""
    found = stored_version(connection)
    if found > SCHEMA_VERSION:
        raise Unavailable(
            f"the store has schema version {found}, newer than this release ({SCHEMA_VERSION})",
            code="store_too_new",
        )
    for version in range(found + 1, SCHEMA_VERSION + 1):
        STEPS[version](connection)
        table = tables.meta
        if version == 1:
            connection.execute(table.insert().values(key="schema_version", value="1"))
        else:
            connection.execute(
                table.update().where(table.c.key == "schema_version").values(value=str(version))
            )
    return found
