"""Versioned store schema. A store records its version; opening an older one upgrades it step by
step, opening one written by a newer release is refused rather than misread.

A new store is created from :mod:`exchange.store.tables` as it is now, at the current version.
To change the schema: change ``tables.py``, add a function ``_to_N(connection)`` that brings a
store of version N-1 to exactly that shape, and list it in ``STEPS``.
"""

import secrets
from collections.abc import Callable

from sqlalchemy import Connection, case, func, inspect, select

from exchange.errors import Unavailable
from exchange.store import tables

SCHEMA_VERSION = 9
CHANGE_SEQ = "change_seq"
STORE_ID = "store_id"
# PostgreSQL advisory lock key (any constant of our own) held while a store is created or upgraded.
_UPGRADE_LOCK = 0x7A68616E7175


def _create(connection: Connection) -> None:
    tables.metadata.create_all(connection)
    connection.execute(tables.counters.insert().values(name=CHANGE_SEQ, value=0))
    _name_store(connection)


def _to_2(connection: Connection) -> None:
    """Resource exchange: keys, grants, the audit log, idempotent responses, mirror cursors,
    and each record's reach (the widest audience it has had)."""
    for table in (
        tables.api_keys,
        tables.grants,
        tables.audit_log,
        tables.idempotent_responses,
        tables.mirror_cursors,
    ):
        table.create(connection)
    connection.exec_driver_sql("ALTER TABLE records ADD COLUMN reach SMALLINT NOT NULL DEFAULT 0")
    r = tables.records.c
    # What a record reached before reach was kept is its present state; a tombstone may have
    # been anywhere, so every audience hears of it.
    reach = case(
        (r.deleted, 2),
        (r.review.not_in(("none", "released")) | (r.share == "none"), 0),
        ((r.share == "unconditional") & r.public, 2),
        else_=1,
    )
    connection.execute(tables.records.update().values(reach=reach))
    next(i for i in tables.records.indexes if i.name == "ix_records_site_seq").create(connection)
    _name_store(connection)


def _to_3(connection: Connection) -> None:
    """Search analytics: the search log."""
    tables.search_log.create(connection)


def _to_4(connection: Connection) -> None:
    """Supervision: the indexer's runs and the results citizens opened from a search."""
    tables.indexer_runs.create(connection)
    tables.search_clicks.create(connection)


def _to_5(connection: Connection) -> None:
    """Hardening: bans (封禁) of addresses and keys."""
    tables.bans.create(connection)


def _to_6(connection: Connection) -> None:
    """Rebuild integrity: an index that lets the indexer count searchable records quickly."""
    next(i for i in tables.records.indexes if i.name == "ix_records_seq_searchable").create(
        connection
    )


def _to_7(connection: Connection) -> None:
    """Bans that spare keys: an address ban a request with a valid key passes."""
    _add_column(connection, "bans", "spares_keys", "BOOLEAN NOT NULL DEFAULT false")


def _to_8(connection: Connection) -> None:
    """Public suggestions: the search log's client hash and suggestible flag, hidden
    suggestions. Searches logged before count for analytics, never for suggestions."""
    _add_column(connection, "search_log", "client", "VARCHAR(16)")
    _add_column(connection, "search_log", "suggestible", "BOOLEAN NOT NULL DEFAULT false")
    tables.hidden_suggestions.create(connection)


def _to_9(connection: Connection) -> None:
    """Best bets (推荐结果): records operators pinned to queries."""
    tables.best_bets.create(connection)


def _add_column(connection: Connection, table: str, column: str, definition: str) -> None:
    # A store older than the table's own step got the table as it is now, column included.
    if column in {c["name"] for c in inspect(connection).get_columns(table)}:
        return
    connection.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")


def _name_store(connection: Connection) -> None:
    """A random identity, so a cursor from another store is recognised as such."""
    connection.execute(tables.meta.insert().values(key=STORE_ID, value=secrets.token_hex(8)))


STEPS: dict[int, Callable[[Connection], None]] = {
    2: _to_2,
    3: _to_3,
    4: _to_4,
    5: _to_5,
    6: _to_6,
    7: _to_7,
    8: _to_8,
    9: _to_9,
}


def stored_version(connection: Connection) -> int:
    if not inspect(connection).has_table("meta"):
        return 0
    row = connection.execute(
        select(tables.meta.c.value).where(tables.meta.c.key == "schema_version")
    ).first()
    return int(row[0]) if row else 0


def upgrade(connection: Connection) -> int:
    """Bring the store to :data:`SCHEMA_VERSION`; returns the version it had."""
    if connection.dialect.name == "postgresql":
        # Hosts and commands opening a new or old store at the same moment take turns, so the
        # second finds what the first did instead of failing on it (SQLite writers queue anyway).
        connection.execute(select(func.pg_advisory_xact_lock(_UPGRADE_LOCK)))
    found = stored_version(connection)
    if found > SCHEMA_VERSION:
        raise Unavailable(
            f"the store has schema version {found}, newer than this release ({SCHEMA_VERSION})",
            code="store_too_new",
        )
    table = tables.meta
    if found == 0:
        _create(connection)
        connection.execute(table.insert().values(key="schema_version", value=str(SCHEMA_VERSION)))
        return found
    for version in range(found + 1, SCHEMA_VERSION + 1):
        STEPS[version](connection)
        connection.execute(
            table.update().where(table.c.key == "schema_version").values(value=str(version))
        )
    return found


def store_id(connection: Connection) -> str:
    return connection.execute(
        select(tables.meta.c.value).where(tables.meta.c.key == STORE_ID)
    ).scalar_one()
