"""Dashboard sessions (登录会话): a cluster admin key, typed once into the login form, becomes a
signed cookie, so that the key itself never sits in a URL, a bookmark or the browser's storage.

The cookie reads ``KEY_ID.EXPIRES.SIGNATURE``. The signature is an HMAC, under a random
secret the store keeps (so every worker and every host shares it), of the key id, the expiry
and the key's current secret hash: rotating or revoking the key ends its sessions at once,
and nobody without the store's secret can make a cookie. The cookie is ``HttpOnly`` (no
script can read it), ``Secure`` and ``SameSite=Strict`` (no other site can make the browser
send it, which is what protects the dashboard's forms from cross-site requests).
"""

import base64
import hashlib
import hmac
import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from exchange.errors import Forbidden
from exchange.numbers import whole_number
from exchange.store import Store, tables
from exchange.store.keys import ApiKey, authenticate
from exchange.store.server_secrets import server_secret

COOKIE = "zq_session"
LIFETIME = timedelta(hours=8)
_SECRET = "session_secret"


class Sessions:
    """Signs and checks dashboard session cookies against the store's keys."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._secret: bytes | None = None
        self._lock = threading.Lock()

    def log_in(self, token: str, now: datetime | None = None) -> str:
        """The cookie value for a key typed into the login form; raises
        :class:`~exchange.errors.Unauthorized` for a bad key, :class:`Forbidden` for a key
        that may not see the whole cluster's supervision."""
        key = authenticate(self.store, token.strip())
        if not key.is_cluster or "admin" not in key.scopes:
            raise Forbidden("the dashboard needs a cluster key with the admin scope",
                            code="cluster_admin_required")  # fmt: skip
        expires = int(((now or _now()) + LIFETIME).timestamp())
        return f"{key.id}.{expires}.{self._sign(key.id, expires, self._secret_hash(key.id))}"

    def check(self, cookie: str | None, now: datetime | None = None) -> ApiKey | None:
        """The admin key behind a session cookie, or None when it is absent, forged, expired,
        or its key was rotated, revoked or lost the admin scope."""
        if not cookie:
            return None
        key_id, _, rest = cookie.partition(".")
        expires, _, signature = rest.partition(".")
        expiry = whole_number(expires)
        if expiry is None or expiry <= (now or _now()).timestamp():
            return None
        row = self._key_row(key_id)
        if row is None or row.revoked_at is not None:
            return None
        expected = self._sign(key_id, expiry, row.secret_hash)
        if not hmac.compare_digest(expected, signature):
            return None
        scopes = frozenset(row.scopes.split(","))
        if row.site is not None or "admin" not in scopes:
            return None
        return ApiKey(row.id, row.site, scopes, row.label, row.created_at)

    def _sign(self, key_id: str, expires: int, secret_hash: str) -> str:
        message = f"{key_id}.{expires}.{secret_hash}".encode()
        digest = hmac.new(self._server_secret(), message, hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def _key_row(self, key_id: str):
        keys = tables.api_keys
        with self.store.read() as conn:
            return conn.execute(select(keys).where(keys.c.id == key_id)).first()

    def _secret_hash(self, key_id: str) -> str:
        return self._key_row(key_id).secret_hash

    def _server_secret(self) -> bytes:
        with self._lock:
            if self._secret is None:
                self._secret = server_secret(self.store, _SECRET)
            return self._secret


def _now() -> datetime:
    return datetime.now(UTC)
