"""Tables of the store. Changing them means a new entry in :mod:`exchange.store.migrations`."""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", String(256), nullable=False),
)

counters = Table(
    "counters",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)

sites = Table(
    "sites",
    metadata,
    Column("code", String(32), primary_key=True),
    Column("name", String(128), nullable=False),
    Column("tier", String(16), nullable=False),
    Column("parent", String(32), ForeignKey("sites.code"), nullable=True),
    Column("base_url", String(512), nullable=False, default=""),
    Column("state", String(16), nullable=False, default="open"),
    Column("created_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

columns = Table(
    "columns",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(32), ForeignKey("sites.code"), nullable=False),
    Column("path", String(256), nullable=False),
    Column("kind", String(16), nullable=False),
    UniqueConstraint("site", "path", name="uq_columns_site_path"),
)

records = Table(
    "records",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("site", String(32), ForeignKey("sites.code"), nullable=False),
    Column("local_id", String(128), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("version", BigInteger, nullable=False),
    Column("content_hash", String(64), nullable=False),
    Column("deleted", Boolean, nullable=False, default=False),
    Column("review", String(16), nullable=False, default="none"),
    Column("url", String(2048), nullable=False, default=""),
    Column("title", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("column_path", String(256), nullable=False, default=""),
    Column("doc_type", String(32), nullable=False, default=""),
    Column("published_at", DateTime, nullable=True),
    Column("updated_at", DateTime, nullable=True),
    Column("share", String(16), nullable=False, default="unconditional"),
    Column("public", Boolean, nullable=False, default=True),
    Column("index_no", String(64), nullable=False, default=""),
    Column("issuer", String(128), nullable=False, default=""),
    Column("doc_no", String(64), nullable=False, default=""),
    Column("subject", String(128), nullable=False, default=""),
    Column("written_on", Date, nullable=True),
    Column("received_at", DateTime, nullable=False),
    UniqueConstraint("site", "local_id", name="uq_records_site_local_id"),
    Index("ix_records_seq", "seq", unique=True),
    Index("ix_records_site_column_published", "site", "column_path", "published_at"),
)
