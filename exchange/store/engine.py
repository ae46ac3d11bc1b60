"""Opening the store: one engine, SQLite or PostgreSQL, with the same transaction semantics.

SQLite runs in WAL mode with ``synchronous=FULL`` (a commit is on disk before it is
acknowledged) and write transactions start with ``BEGIN IMMEDIATE`` so that two writers
queue instead of failing on upgrade from a read lock.
"""

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event

from exchange.store.migrations import upgrade


class Store:
    """The store's engine and its two ways in: read and write transactions."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; on SQLite it holds the database's write lock from the start."""
        with self.engine.connect() as connection:
            if self.is_sqlite:
                connection = connection.execution_options(sqlite_begin="IMMEDIATE")
            with connection.begin():
                yield connection

    def size_bytes(self) -> int | None:
        if not self.is_sqlite or not self.engine.url.database:
            return None
        path = Path(self.engine.url.database)
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(url, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writes can say IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA busy_timeout=30000")
        _set_wal(cursor)
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _set_wal(cursor) -> None:
    """Switch the file to WAL. On a new file that several processes open at once, SQLite may
    answer "database is locked" at once, without waiting out the busy timeout (hosts
    creating one store together): try again for a while."""
    for attempt in range(100):
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or attempt == 99:
                raise
            time.sleep(0.05)


def database_url(url: str) -> str:
    """``postgresql://`` selects psycopg 3; anything else is passed to SQLAlchemy as it is."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def open_store(url: str) -> Store:
    """Open (creating or upgrading) the store at a SQLAlchemy database URL."""
    url = database_url(url)
    if url.startswith("sqlite"):
        database = url.split("///", 1)[-1]
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = _sqlite_engine(url)
    else:
        engine = create_engine(url, pool_pre_ping=True)
    store = Store(engine)
    with store.write() as connection:
        upgrade(connection)
    return store
