"""Where the tests' stores live: SQLite by default, PostgreSQL when the run asks for it.

By default a test's store is the SQLite file in its data dir, as in production. With
``ZHANQUN_TEST_DATABASE_URL`` set to a PostgreSQL URL (a server and a database to connect to,
e.g. ``postgresql://postgres@127.0.0.1/postgres``), the run creates one scratch database on
that server, gives every data dir a fresh schema of its own there (its URL sets
``search_path``), and drops the scratch database when the run ends. So every test that opens a
store — the ``config`` fixture and everything built on it, ``zhanqun`` subprocesses, the
gunicorn of ``zhanqun serve`` — runs on PostgreSQL, isolated from every other test, and a
schema costs milliseconds where a database costs a checkpoint.

When the server does not answer (or psycopg is missing), a test that needs a store is skipped,
never passed; with ``ZHANQUN_TEST_DATABASE_REQUIRED=1`` (``.ci/run`` sets it) it fails instead.
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest

URL_ENV = "ZHANQUN_TEST_DATABASE_URL"
REQUIRED_ENV = "ZHANQUN_TEST_DATABASE_REQUIRED"


def _conninfo(url: str, database: str | None = None, **query: str) -> str:
    """A libpq URL from a SQLAlchemy-style one, optionally for another database and with more
    parameters (``options=-csearch_path=…``)."""
    parts = urlsplit(url.replace("postgresql+psycopg://", "postgresql://", 1))
    path = f"/{database}" if database is not None else parts.path
    params = urlencode([*parse_qsl(parts.query), *query.items()])
    return urlunsplit((parts.scheme, parts.netloc, path, params, ""))


class _Scratch:
    """This run's scratch database on the server of ``ZHANQUN_TEST_DATABASE_URL``."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"zhanqun_test_{os.getpid()}_{secrets.token_hex(3)}"
        self.created = False
        self.unavailable: str | None = None
        self.schemas: dict[Path, str] = {}
        self.made = 0

    def _connect(self, database: str | None = None):
        import psycopg

        return psycopg.connect(
            _conninfo(self.server_url, database), autocommit=True, connect_timeout=5
        )

    def _ensure_created(self) -> None:
        if self.created or self.unavailable:
            return
        try:
            with self._connect() as admin:
                admin.execute(f'CREATE DATABASE "{self.name}"')
            self.created = True
        except Exception as error:  # ImportError or any psycopg error: the server is unusable
            first_line = str(error).strip().splitlines()[:1]
            self.unavailable = " ".join([type(error).__name__ + ":", *first_line])

    def url_for(self, data_dir: Path) -> str:
        self._ensure_created()
        if self.unavailable:
            message = f"PostgreSQL at {self.server_url} is unavailable: {self.unavailable}"
            if os.environ.get(REQUIRED_ENV, "") not in ("", "0"):
                pytest.fail(message, pytrace=False)
            pytest.skip(message)
        schema = self.schemas.get(data_dir)
        if schema is None:
            self.made += 1
            schema = f"data_{self.made}"
            with self._connect(self.name) as conn:
                conn.execute(f"CREATE SCHEMA {schema}")
            self.schemas[data_dir] = schema
        return _conninfo(self.server_url, self.name, options=f"-csearch_path={schema}")

    def release(self, data_dir: Path) -> None:
        """Drop a data dir's schema now rather than with the scratch database at the end."""
        schema = self.schemas.pop(data_dir, None)
        if schema is None:
            return
        try:
            with self._connect(self.name) as conn:
                conn.execute("SET lock_timeout = '5s'")
                conn.execute(f"DROP SCHEMA {schema} CASCADE")
        except Exception:  # still in use by a straggler: the final DROP DATABASE takes it
            self.schemas[data_dir] = schema

    def drop(self) -> None:
        if self.created:
            with self._connect() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            self.created = False


_scratch: _Scratch | None = None


def database_url(data_dir: Path) -> str:
    """The ``--database-url`` of the store of ``data_dir``: empty (the SQLite file in the data
    dir) unless the run is on PostgreSQL, then a fresh schema of the scratch database."""
    global _scratch
    server_url = os.environ.get(URL_ENV, "")
    if not server_url:
        return ""
    if _scratch is None:
        _scratch = _Scratch(server_url)
    return _scratch.url_for(Path(data_dir).resolve())


def store_url(data_dir: Path) -> str:
    """The SQLAlchemy URL of the store of ``data_dir`` on this run's engine."""
    return database_url(data_dir) or f"sqlite:///{Path(data_dir).resolve() / 'zhanqun.sqlite3'}"


def release(data_dir: Path) -> None:
    if _scratch is not None:
        _scratch.release(Path(data_dir).resolve())


def finish() -> None:
    """Drop the scratch database, if this run made one."""
    if _scratch is not None:
        _scratch.drop()
