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
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

LIVE_REVIEW = ("none", "released")
"""Review states (保密审核) under which a record may be searched and shared."""

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
    # The widest audience the record has ever reached (exchange.store.sharing): who must be
    # told with a tombstone when it is withdrawn, narrowed or held.
    Column("reach", SmallInteger, nullable=False, default=0),
    UniqueConstraint("site", "local_id", name="uq_records_site_local_id"),
    Index("ix_records_seq", "seq", unique=True),
    Index("ix_records_site_column_published", "site", "column_path", "published_at"),
    Index("ix_records_site_seq", "site", "seq"),
    # Covers the indexer's census (exchange.store.census): counting what is searchable up to a
    # sequence number reads this index alone, not 335,000 rows with their bodies.
    Index("ix_records_seq_searchable", "seq", "deleted", "public", "review"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", String(16), primary_key=True),
    # NULL: a cluster key, for every site.
    Column("site", String(32), ForeignKey("sites.code"), nullable=True),
    Column("scopes", String(64), nullable=False),
    Column("label", String(128), nullable=False, default=""),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("rotated_at", DateTime, nullable=True),
    Column("revoked_at", DateTime, nullable=True),
)

grants = Table(
    "grants",
    metadata,
    Column("owner", String(32), ForeignKey("sites.code"), primary_key=True),
    Column("grantee", String(32), ForeignKey("sites.code"), primary_key=True),
    Column("created_at", DateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("action", String(32), nullable=False),
    Column("site", String(32), nullable=True),
    Column("target", String(256), nullable=False, default=""),
    Column("detail", Text, nullable=False, default="{}"),
    Index("ix_audit_log_site_at", "site", "at"),
)

idempotent_responses = Table(
    "idempotent_responses",
    metadata,
    Column("key_id", String(16), primary_key=True),
    Column("token", String(128), primary_key=True),
    Column("request_hash", String(64), nullable=False),
    Column("status", Integer, nullable=False),
    Column("body", LargeBinary, nullable=False),
    Column("created_at", DateTime, nullable=False),
    Index("ix_idempotent_responses_created_at", "created_at"),
)

mirror_cursors = Table(
    "mirror_cursors",
    metadata,
    Column("origin", String(512), primary_key=True),
    Column("cursor", String(256), nullable=False),
    Column("updated_at", DateTime, nullable=False),
)

# One row per search a citizen ran (first page only): what was typed, where, what it found.
search_log = Table(
    "search_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("query", String(256), nullable=False),
    Column("site", String(32), nullable=True),
    Column("scope", String(16), nullable=False, default="cluster"),
    Column("results", Integer, nullable=False),
    Column("took_ms", Integer, nullable=False),
    Column("corrected_to", String(256), nullable=False, default=""),
    # A keyed hash of the client's address (never the address): distinct clients are counted
    # before a query is offered to the public (exchange/query_screen.py).
    Column("client", String(16), nullable=True),
    # It found results as typed, without operators: it may become a suggestion.
    Column("suggestible", Boolean, nullable=False, default=False),
    Index("ix_search_log_at", "at"),
    Index("ix_search_log_query_at", "query", "at"),
)

# One row per `zhanqun index` run: written when it starts, completed when it ends, so the
# dashboard and /metrics can tell when the index was last brought up to date and how.
indexer_runs = Table(
    "indexer_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Column("mode", String(16), nullable=False),
    # running, ok, failed, busy (another run held the lock), abandoned (died while running)
    Column("outcome", String(16), nullable=False),
    Column("generation", Integer, nullable=True),
    Column("seq_from", BigInteger, nullable=True),
    Column("seq_to", BigInteger, nullable=True),
    Column("added", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("deleted", Integer, nullable=False, default=0),
    Column("error", String(512), nullable=False, default=""),
    Index("ix_indexer_runs_started_at", "started_at"),
)

# One row per result a citizen opened from the results page: which query led where.
search_clicks = Table(
    "search_clicks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("query", String(256), nullable=False),
    Column("site", String(32), nullable=True),
    Column("record_site", String(32), nullable=False),
    Column("record_id", String(128), nullable=False),
    Column("position", Integer, nullable=True),
    Index("ix_search_clicks_at", "at"),
)

# Suggestions the operator hid from the public (exchange/query_screen.py), by their normalised
# text; showing one again deletes its row (the audit log keeps the history).
hidden_suggestions = Table(
    "hidden_suggestions",
    metadata,
    Column("text", String(256), primary_key=True),
    Column("reason", String(256), nullable=False, default=""),
    Column("actor", String(64), nullable=False),
    Column("hidden_at", DateTime, nullable=False),
)

# Bans (封禁): an address (or network) or a key refused everything until the ban expires or is
# lifted. Rows are kept after that, so the history of who was banned, why and by whom stays.
bans = Table(
    "bans",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),  # address or key
    Column("subject", String(64), nullable=False),  # an address, a network (CIDR) or a key id
    Column("reason", String(256), nullable=False, default=""),
    Column("actor", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("expires_at", DateTime, nullable=True),  # NULL: until lifted
    Column("lifted_at", DateTime, nullable=True),
    Column("lifted_by", String(64), nullable=True),
    # An address ban that lets a request with a valid, unbanned key through (docs/security.md).
    Column("spares_keys", Boolean, nullable=False, default=False),
    Index("ix_bans_lifted_at_expires_at", "lifted_at", "expires_at"),
)

# Best bets (推荐结果): a record an operator pinned to a query, shown first when the query is
# searched from a site, from any site of a branch, or anywhere in the cluster (both NULL).
# The query is kept folded as searches are compared (exchange/best_bets.py). A removed best
# bet's row is deleted; the audit log keeps its history.
best_bets = Table(
    "best_bets",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("query", String(256), nullable=False),
    Column("record_site", String(32), nullable=False),
    Column("record_id", String(128), nullable=False),
    Column("site", String(32), ForeignKey("sites.code"), nullable=True),
    Column("branch", String(32), ForeignKey("sites.code"), nullable=True),
    Column("expires_at", DateTime, nullable=False),
    Column("actor", String(64), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("note", String(256), nullable=False, default=""),
    Index("ix_best_bets_expires_at", "expires_at"),
)
