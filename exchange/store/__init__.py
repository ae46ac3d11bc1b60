"""The unified resource store (统一信息资源库): sites, columns, records and the change feed.

One SQLAlchemy Core code path serves SQLite (the embedded default, WAL mode) and PostgreSQL.
"""

from exchange.store.engine import Store, open_store

__all__ = ["Store", "open_store"]
