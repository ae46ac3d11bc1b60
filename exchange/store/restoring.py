"""Restoring the store from a backup (还原) so that every reader notices.

A restored store is behind what pullers have already read, and gives the sequence numbers it
lost to new changes again: a mirror holding a cursor at number 500 would never ask for the
new 401–500. So a restore is more than a copy. In one transaction it replaces the content of
every table with the backup's, and gives the store a new identity (``meta.store_id``, see
:mod:`exchange.cursor`): every cursor and OAI-PMH resumption token issued before is answered
``410 cursor_expired``, a mirror then re-reads the feed from the start (:mod:`exchange.mirror`),
and the indexer, which records the identity it built from, rebuilds. The restore is written to
the audit log — the backup's own log plus that one entry is the log from then on.

Readers see the old content until the transaction commits. Writers wait for it: on
PostgreSQL the tables are locked against writes first, so a push is either before the restore
(and lost with the rest of what the backup does not have) or after it (and numbered after the
backup's last change).
"""

import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, select, text

from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.backups import Backup, copy_table, open_backup
from exchange.store.engine import Store
from exchange.store.migrations import CHANGE_SEQ, SCHEMA_VERSION, STORE_ID, store_id


@dataclass(frozen=True)
class RestoreSummary:
    """What a restore did: which backup, the identities before and after, the change counter."""

    path: Path
    schema_version: int
    previous_identity: str
    identity: str
    discarded_seq: int
    last_seq: int
    records: int

    def line(self) -> str:
        upgraded = f" (upgraded from {self.schema_version})" if self.upgraded else ""
        return (
            f"zhanqun restore: {self.path} schema={SCHEMA_VERSION}{upgraded}"
            f" records={self.records} seq={self.last_seq} (was {self.discarded_seq})"
            f" store={self.previous_identity}->{self.identity}: cursors issued before are expired"
        )

    @property
    def upgraded(self) -> bool:
        return self.schema_version != SCHEMA_VERSION


def store_identity(store: Store) -> str:
    """The store's identity: new at every restore, so whatever recorded it (a cursor, the
    index) can tell that sequence numbers it has seen may now mean other changes."""
    with store.read() as conn:
        return store_id(conn)


def restore_backup(store: Store, path: Path, actor: str) -> RestoreSummary:
    """Replace the whole content of ``store`` with the backup at ``path``, under a new identity.

    The backup is checked (:func:`~exchange.store.backups.open_backup`) before the store is
    touched; anything that goes wrong after that rolls the whole restore back.
    """
    with open_backup(path) as backup, store.write() as conn:
        if not store.is_sqlite:
            _lock_against_writers(conn)
        previous, discarded = store_id(conn), _counter(conn)
        for table in reversed(tables.metadata.sorted_tables):
            conn.execute(table.delete())
        with backup.read() as source:
            for table in tables.metadata.sorted_tables:
                copy_table(source, conn, table)
        if not store.is_sqlite:
            _continue_serials(conn)
        identity = _rename(conn, {previous, backup.summary.identity})
        summary = RestoreSummary(
            path=path,
            schema_version=backup.schema_version,
            previous_identity=previous,
            identity=identity,
            discarded_seq=discarded,
            last_seq=_counter(conn),
            records=backup.summary.rows["records"],
        )
        _audit(conn, actor, backup, summary)
    return summary


def _lock_against_writers(conn: Connection) -> None:
    """EXCLUSIVE lets reads go on and makes every writer wait for the restore to commit."""
    names = ", ".join(table.name for table in tables.metadata.sorted_tables)
    conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


def _continue_serials(conn: Connection) -> None:
    """PostgreSQL's serial columns go on after the restored ids, not from where they were."""
    for table in tables.metadata.sorted_tables:
        column = table.autoincrement_column
        if column is None:
            continue
        conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', '{column.name}'), "
                f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"
            )
        )


def _rename(conn: Connection, taken: set[str]) -> str:
    identity = secrets.token_hex(8)
    while identity in taken:
        identity = secrets.token_hex(8)
    meta = tables.meta
    renamed = meta.update().where(meta.c.key == STORE_ID).values(value=identity)
    if not conn.execute(renamed).rowcount:
        conn.execute(meta.insert().values(key=STORE_ID, value=identity))
    return identity


def _counter(conn: Connection) -> int:
    c = tables.counters.c
    return conn.execute(select(c.value).where(c.name == CHANGE_SEQ)).scalar_one_or_none() or 0


def _audit(conn: Connection, actor: str, backup: Backup, summary: RestoreSummary) -> None:
    audit(
        conn,
        actor,
        "store.restore",
        None,
        str(summary.path),
        backup_store=backup.summary.identity,
        backup_schema=summary.schema_version,
        previous_store=summary.previous_identity,
        store=summary.identity,
        discarded_seq=summary.discarded_seq,
        seq=summary.last_seq,
        records=summary.records,
    )
