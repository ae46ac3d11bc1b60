"""Backups of the store (备份): every table, from one consistent snapshot, in a SQLite file.

A backup is an ordinary SQLite database with the store's tables (:mod:`exchange.store.tables`)
at the store's schema version, whatever engine the store runs on, so one file also moves a
store between SQLite and PostgreSQL. It is read in a single snapshot (SQLite's read
transaction, PostgreSQL's ``REPEATABLE READ``), so the change counter, the records and the
audit log agree with each other while pushes go on, and it is streamed in chunks, so a city's
335,000 records are never in memory at once. It is written under a temporary name and renamed
when complete: a backup that stopped half way is never found under the name asked for.

:func:`open_backup` is the other way: it checks that a file is a backup and brings one of an
older schema version up to this release's in a temporary copy, leaving the file as it was.
"""

import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from sqlalchemy import Connection, Engine, Table, create_engine, exc, func, inspect, select
from sqlalchemy.pool import NullPool

from exchange.errors import InvalidInput
from exchange.store import tables
from exchange.store.engine import Store
from exchange.store.migrations import CHANGE_SEQ, SCHEMA_VERSION, stored_version, upgrade

CHUNK = 1_000


@dataclass(frozen=True)
class BackupSummary:
    """What a backup holds: whose it is, its schema version, its change counter, its rows."""

    path: Path
    identity: str
    schema_version: int
    last_seq: int
    rows: dict[str, int]

    def line(self) -> str:
        return (
            f"zhanqun backup: {self.path} store={self.identity} schema={self.schema_version}"
            f" seq={self.last_seq} records={self.rows.get('records', 0)}"
            f" rows={sum(self.rows.values())}"
        )


def write_backup(store: Store, path: Path) -> BackupSummary:
    """Copy every table of ``store`` into a new SQLite file at ``path``; never overwrites."""
    if path.exists():
        raise InvalidInput(f"{path} exists; a backup never overwrites a file", code="file_exists")
    if not path.parent.is_dir():
        raise InvalidInput(f"{path.parent} is not a directory", code="no_such_directory")
    partial = path.with_name(path.name + ".partial")
    try:
        partial.unlink(missing_ok=True)  # left by a backup that was killed
        partial.touch()
    except OSError as error:
        raise InvalidInput(
            f"cannot write {partial}: {error.strerror}", code="cannot_write"
        ) from None
    target = _file_engine(_uri(partial, "rwc"))
    try:
        tables.metadata.create_all(target)
        with snapshot(store) as source, target.begin() as out:
            every = tables.metadata.sorted_tables  # each table after those it refers to
            rows = {table.name: copy_table(source, out, table) for table in every}
            summary = describe(out, path, rows)
        target.dispose()
        os.replace(partial, path)
    except BaseException:
        target.dispose()
        partial.unlink(missing_ok=True)
        raise
    return summary


@contextmanager
def snapshot(store: Store) -> Iterator[Connection]:
    """A read transaction that sees one state of every table."""
    with store.engine.connect() as connection:
        if not store.is_sqlite:
            # PostgreSQL's default, READ COMMITTED, takes a new snapshot for every statement.
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin():
            yield connection


def copy_table(source: Connection, target: Connection, table: Table) -> int:
    """Stream one table's rows from ``source`` into ``target``, a chunk at a time."""
    statement = select(table).order_by(*table.primary_key.columns)
    if table is tables.sites:
        # A few hundred rows, which refer to each other: all at once, parents first.
        rows = parents_first([dict(row._mapping) for row in source.execute(statement)])
        chunks = [rows] if rows else []
    else:
        result = source.execution_options(yield_per=CHUNK).execute(statement)
        chunks = ([dict(row._mapping) for row in chunk] for chunk in result.partitions())
    copied = 0
    for rows in chunks:
        target.execute(table.insert(), rows)
        copied += len(rows)
    return copied


def parents_first(rows: list[dict]) -> list[dict]:
    """Sites ordered so that a site's parent comes before it (the foreign key is checked)."""
    parent = {row["code"]: row["parent"] for row in rows}

    def depth(code: str) -> int:
        seen = {code}
        while (code := parent.get(code)) is not None and code not in seen:
            seen.add(code)
        return len(seen)

    return sorted(rows, key=lambda row: depth(row["code"]))


def describe(conn: Connection, path: Path, rows: dict[str, int]) -> BackupSummary:
    meta = dict(conn.execute(select(tables.meta.c.key, tables.meta.c.value)).all())
    counter = conn.execute(
        select(tables.counters.c.value).where(tables.counters.c.name == CHANGE_SEQ)
    ).scalar_one_or_none()
    return BackupSummary(
        path=path,
        identity=meta.get("store_id", ""),
        schema_version=int(meta.get("schema_version", 0)),
        last_seq=counter or 0,
        rows=rows,
    )


@dataclass(frozen=True)
class Backup:
    """A backup file opened for reading, at this release's schema version."""

    path: Path
    engine: Engine
    schema_version: int  # as written, before any upgrade
    summary: BackupSummary

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection


@contextmanager
def open_backup(path: Path) -> Iterator[Backup]:
    """Open a backup, refusing with ``InvalidInput`` anything that is not one this release reads.

    A backup of an older schema is upgraded in a temporary copy, as a store would be on open.
    """
    if not path.is_file():
        raise InvalidInput(f"{path}: no such file", code="no_such_file")
    with tempfile.TemporaryDirectory(prefix="zhanqun-restore-") as scratch:
        engine = _file_engine(_uri(path, "ro"))
        try:
            found = _schema_version(engine, path)
            if found < SCHEMA_VERSION:
                engine.dispose()
                engine = _upgraded_copy(path, Path(scratch) / "backup.sqlite3")
            with engine.connect() as conn:
                missing = set(tables.metadata.tables) - set(inspect(conn).get_table_names())
                if missing:
                    raise _not_a_backup(path, f"it has no table {', '.join(sorted(missing))}")
                rows = {
                    table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
                    for table in tables.metadata.sorted_tables
                }
                summary = describe(conn, path, rows)
            yield Backup(path, engine, found, summary)
        finally:
            engine.dispose()


def _schema_version(engine: Engine, path: Path) -> int:
    try:
        with engine.connect() as conn:
            found = stored_version(conn)
    except exc.DatabaseError as error:
        reason = str(error.orig).splitlines()[0] if error.orig else "unreadable"
        raise _not_a_backup(path, reason) from None
    if found == 0:
        raise _not_a_backup(path, "it has no schema version")
    if found > SCHEMA_VERSION:
        raise InvalidInput(
            f"{path} is a backup of schema version {found}, newer than this release's "
            f"({SCHEMA_VERSION}): restore it with the release that wrote it",
            code="backup_too_new",
        )
    return found


def _upgraded_copy(path: Path, copy: Path) -> Engine:
    """A copy of an older backup, brought to this release's schema; the file stays as it was."""
    original, duplicate = sqlite3.connect(_uri(path, "ro"), uri=True), sqlite3.connect(copy)
    try:
        original.backup(duplicate)
    finally:
        duplicate.close()
        original.close()
    engine = _file_engine(_uri(copy, "rw"))
    with engine.begin() as conn:
        upgrade(conn)
    return engine


def _file_engine(uri: str) -> Engine:
    """An engine on one SQLite file through its ``file:`` URI, not a database URL, which would
    take a ``?`` or ``#`` in the file's name for its own syntax."""
    return create_engine(
        "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=NullPool
    )


def _uri(path: Path, mode: str) -> str:
    """``mode``: ``ro`` never writes to the file, ``rw`` writes, ``rwc`` may also create it."""
    return f"file:{quote(str(path.resolve()))}?mode={mode}"


def _not_a_backup(path: Path, reason: str) -> InvalidInput:
    return InvalidInput(f"{path} is not a backup of a zhanqun store: {reason}", code="not_a_backup")
