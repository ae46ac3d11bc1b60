"""API keys (接口密钥): each belongs to one site, or to the whole cluster, and carries scopes.

A key reads ``zq_<id>.<secret>``. The id is public: it names the key in lists and in the audit
log. The secret is 32 random bytes, shown once when the key is issued or rotated; the store
keeps only its SHA-256 (enough for a random secret, which no dictionary holds — a password
would need a slow hash) and compares digests in constant time.

Scopes:

* ``push`` — ``POST /v1/records`` for the key's own site (a cluster key: any site);
* ``pull`` — the change feed and single records, as the sharing rules allow the key's site
  (a cluster key reads as the operator);
* ``admin`` — the grants of the key's site; with a cluster key also confidentiality review.
"""

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, select

from exchange.errors import InvalidInput, NotFound, Unauthorized
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store
from exchange.store.sites import require_site

SCOPES = ("push", "pull", "admin")
PREFIX = "zq_"
_TOKEN = re.compile(r"^zq_([0-9a-f]{12})\.([A-Za-z0-9_-]{43})$")


@dataclass(frozen=True)
class ApiKey:
    id: str
    site: str | None
    scopes: frozenset[str]
    label: str
    created_at: datetime
    revoked_at: datetime | None = None

    @property
    def is_cluster(self) -> bool:
        return self.site is None

    @property
    def actor(self) -> str:
        """How the audit log names this key."""
        return f"key:{self.id}"

    def owns(self, site: str) -> bool:
        """Whether this key may write for ``site``."""
        return self.site is None or self.site == site

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "site": self.site,
            "scopes": sorted(self.scopes),
            "label": self.label,
            "created_at": self.created_at.replace(tzinfo=UTC).isoformat(),
            "revoked": self.revoked_at is not None,
        }


@dataclass(frozen=True)
class IssuedKey:
    """A key and its full secret token, which is never shown again."""

    key: ApiKey
    token: str


def parse_scopes(text: str) -> frozenset[str]:
    scopes = frozenset(s.strip() for s in text.split(",") if s.strip())
    unknown = scopes - set(SCOPES)
    if not scopes or unknown:
        raise InvalidInput(f"scopes are a comma-separated list of {', '.join(SCOPES)}",
                           field="scopes")  # fmt: skip
    return scopes


def issue_key(
    store: Store, site: str | None, scopes: frozenset[str], label: str, actor: str
) -> IssuedKey:
    """A new key for ``site`` (None: a cluster key)."""
    key_id = secrets.token_hex(6)
    secret = _secret()
    now = _now()
    with store.write() as conn:
        if site is not None:
            require_site(conn, site)
        conn.execute(
            tables.api_keys.insert().values(
                id=key_id,
                site=site,
                scopes=",".join(sorted(scopes)),
                label=label[:128],
                secret_hash=_digest(secret),
                created_at=now,
            )
        )
        audit(conn, actor, "key.issue", site, key_id, scopes=sorted(scopes), label=label)
    key = ApiKey(key_id, site, scopes, label[:128], now)
    return IssuedKey(key, _token(key_id, secret))


def rotate_key(store: Store, key_id: str, actor: str) -> IssuedKey:
    """A new secret for the key; the old one stops working at once."""
    secret = _secret()
    with store.write() as conn:
        key = _require_key(conn, key_id)
        if key.revoked_at is not None:
            raise InvalidInput(f"key {key_id} is revoked; issue a new one", code="key_revoked")
        conn.execute(
            tables.api_keys.update()
            .where(tables.api_keys.c.id == key_id)
            .values(secret_hash=_digest(secret), rotated_at=_now())
        )
        audit(conn, actor, "key.rotate", key.site, key_id)
    return IssuedKey(key, _token(key_id, secret))


def revoke_key(store: Store, key_id: str, actor: str) -> ApiKey:
    with store.write() as conn:
        key = _require_key(conn, key_id)
        if key.revoked_at is None:
            now = _now()
            k = tables.api_keys
            conn.execute(k.update().where(k.c.id == key_id).values(revoked_at=now))
            audit(conn, actor, "key.revoke", key.site, key_id)
            key = ApiKey(key.id, key.site, key.scopes, key.label, key.created_at, now)
    return key


def list_keys(store: Store, site: str | None = None) -> list[ApiKey]:
    k = tables.api_keys.c
    statement = select(tables.api_keys).order_by(k.site, k.created_at)
    if site is not None:
        statement = statement.where(k.site == site)
    with store.read() as conn:
        return [_key(row) for row in conn.execute(statement)]


def authenticate(store: Store, token: str) -> ApiKey:
    """The key a bearer token stands for; raises :class:`Unauthorized` otherwise."""
    match = _TOKEN.match(token)
    if match is None:
        raise Unauthorized("not a zhanqun API key (zq_<id>.<secret>)", code="invalid_key")
    key_id, secret = match.groups()
    with store.read() as conn:
        row = conn.execute(select(tables.api_keys).where(tables.api_keys.c.id == key_id)).first()
    # Compare even for an unknown id, so that the answer takes as long either way.
    stored = row.secret_hash if row is not None else _digest("")
    if not hmac.compare_digest(stored, _digest(secret)) or row is None:
        raise Unauthorized("the API key is not valid", code="invalid_key")
    if row.revoked_at is not None:
        raise Unauthorized("the API key has been revoked", code="key_revoked")
    return _key(row)


def _require_key(conn: Connection, key_id: str) -> ApiKey:
    row = conn.execute(select(tables.api_keys).where(tables.api_keys.c.id == key_id)).first()
    if row is None:
        raise NotFound(f"no key {key_id}", code="unknown_key")
    return _key(row)


def _key(row) -> ApiKey:
    scopes = frozenset(row.scopes.split(","))
    return ApiKey(row.id, row.site, scopes, row.label, row.created_at, row.revoked_at)


def _secret() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()


def _token(key_id: str, secret: str) -> str:
    return f"{PREFIX}{key_id}.{secret}"


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
