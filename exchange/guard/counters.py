"""Where rate-limit counts live: one place every gunicorn worker (and every host) shares.

The ``limits`` library does the counting (fixed windows); this module chooses its storage
from ``--rate-limit-url``:

* empty (the default) — follow the store: beside a SQLite store, a separate SQLite file
  ``DATA_DIR/ratelimits.sqlite3``; with a PostgreSQL store, an unlogged table in the same
  database, so several service hosts share their counts with no further setup;
* ``sqlite:///PATH`` or ``postgresql://…`` — that database;
* ``redis://…`` (and the other schemes ``limits`` knows: ``redis+sentinel://``,
  ``redis+cluster://``, ``memcached://``, ``mongodb://``) — that server, through ``limits``'s
  own storage.

``limits`` ships no SQL storage, hence :class:`SqlCounters`. Counts are not precious, so the
SQLite file runs with ``synchronous=OFF`` and apart from the store: a search never waits for a
disk flush or for a push's write lock. ``memory://`` is refused: each worker would count on
its own, and a client would get ``workers ×`` its limit.
"""

import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from limits.storage import Storage, storage_from_string
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import SQLAlchemyError

from exchange.store.engine import Store, database_url

TABLE = "zhanqun_rate_counters"
SQLITE_FILE = "ratelimits.sqlite3"
# Expired counters are swept now and then by whichever worker counts this many hits.
SWEEP_EVERY = 2_000
_CREATE_LOCK = 0x7A71726174  # PostgreSQL advisory lock: workers create the table in turn

_INCR = f"""
INSERT INTO {TABLE} (key, count, expires_at) VALUES (:key, :amount, :now + :expiry)
ON CONFLICT (key) DO UPDATE SET
  count = CASE WHEN {TABLE}.expires_at <= :now THEN :amount ELSE {TABLE}.count + :amount END,
  expires_at = CASE WHEN {TABLE}.expires_at <= :now THEN :now + :expiry
                    ELSE {TABLE}.expires_at END
RETURNING count
"""
_DDL = {
    "sqlite": f"CREATE TABLE IF NOT EXISTS {TABLE} "
    "(key TEXT PRIMARY KEY, count INTEGER NOT NULL, expires_at REAL NOT NULL)",
    "postgresql": f"CREATE UNLOGGED TABLE IF NOT EXISTS {TABLE} "
    "(key TEXT PRIMARY KEY, count BIGINT NOT NULL, expires_at DOUBLE PRECISION NOT NULL)",
}


class SqlCounters(Storage):
    """A ``limits`` storage over one SQL table (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(wrap_exceptions=True)
        self.engine = engine
        self._hits = 0
        self._lock = threading.Lock()
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_CREATE_LOCK})")
            conn.exec_driver_sql(_DDL[engine.dialect.name])

    @property
    def base_exceptions(self) -> type[Exception]:
        return SQLAlchemyError

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self.engine.begin() as conn:
            count = conn.execute(
                text(_INCR), {"key": key, "amount": amount, "now": now, "expiry": expiry}
            ).scalar_one()
        self._maybe_sweep(now)
        return int(count)

    def get(self, key: str) -> int:
        statement = text(f"SELECT count FROM {TABLE} WHERE key = :key AND expires_at > :now")
        with self.engine.connect() as conn:
            count = conn.execute(statement, {"key": key, "now": time.time()}).scalar()
        return int(count or 0)

    def get_expiry(self, key: str) -> float:
        now = time.time()
        statement = text(f"SELECT expires_at FROM {TABLE} WHERE key = :key AND expires_at > :now")
        with self.engine.connect() as conn:
            expires = conn.execute(statement, {"key": key, "now": now}).scalar()
        return float(expires) if expires is not None else now

    def check(self) -> bool:
        try:
            with self.engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except SQLAlchemyError:
            return False
        return True

    def reset(self) -> int | None:
        with self.engine.begin() as conn:
            return conn.exec_driver_sql(f"DELETE FROM {TABLE}").rowcount

    def clear(self, key: str) -> None:
        with self.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {TABLE} WHERE key = :key"), {"key": key})

    def _maybe_sweep(self, now: float) -> None:
        with self._lock:
            self._hits += 1
            if self._hits % SWEEP_EVERY:
                return
        with self.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM {TABLE} WHERE expires_at <= :now"), {"now": now})


def _sqlite_engine(path: Path) -> Engine:
    path.parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(f"sqlite:///{path}", connect_args={"timeout": 10})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        # Counts may be lost with the machine; never worth a disk flush per request.
        cursor.execute("PRAGMA synchronous=OFF")
        cursor.close()

    return engine


def open_counters(url: str, store: Store, data_dir: Path) -> Storage:
    """The storage named by ``--rate-limit-url`` (empty: follow the store); raises ValueError
    for one that workers could not share."""
    if not url:
        if store.is_sqlite:
            return SqlCounters(_sqlite_engine(data_dir / SQLITE_FILE))
        # The store's own engine and connection pool: no second pool per worker.
        return SqlCounters(store.engine)
    scheme = urlsplit(url).scheme
    if scheme.startswith("memory") or scheme.startswith("async+"):
        raise ValueError(f"{url}: each worker would count apart; use redis:// or a database")
    if scheme == "sqlite":
        return SqlCounters(_sqlite_engine(Path(url.split("///", 1)[-1])))
    if scheme.startswith("postgres"):
        return SqlCounters(create_engine(database_url(url), pool_pre_ping=True))
    try:
        return storage_from_string(url, wrap_exceptions=True)
    except Exception as error:  # ConfigurationError, or the storage's missing client library
        raise ValueError(f"{url}: {error}") from None
