"""Who is calling: ``Authorization: Bearer <key>`` read by middleware, scopes checked by hooks.

:class:`KeyAuthentication` resolves a bearer header, when there is one, into
``req.context.key`` (an invalid or revoked key is refused at once, whatever the route); other
schemes are left alone, so a public page behind a proxy's Basic authentication still answers.
Responders that need a key say so with ``@require("push")`` and friends.
"""

from collections.abc import Callable
from dataclasses import dataclass

import falcon

from exchange.errors import Forbidden, Unauthorized
from exchange.store import Store
from exchange.store.keys import ApiKey, authenticate
from exchange.store.sharing import Audience


class KeyAuthentication:
    """Falcon middleware: ``req.context.key`` is the caller's :class:`ApiKey` or None."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        req.context.key = None
        token = bearer_token(req)
        if token is None:
            return
        if not token:
            raise _bad_header()
        req.context.key = authenticate(self.store, token)


def bearer_token(req: falcon.Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" when it is blank), or None when
    the request has no such header."""
    header = req.get_header("Authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def valid_key(store: Store, req: falcon.Request) -> ApiKey | None:
    """The request's key if it is valid and not revoked, else None; never raises."""
    token = bearer_token(req)
    if not token:
        return None
    try:
        return authenticate(store, token)
    except Unauthorized:
        return None


@dataclass(frozen=True)
class KeyCheck:
    """A ``falcon.before`` hook: the caller's key has ``scope`` (and is a cluster key)."""

    scope: str
    cluster: bool = False

    def __call__(self, req: falcon.Request, resp: falcon.Response, resource, params) -> None:
        key: ApiKey | None = req.context.key
        if key is None and req.get_header("Authorization") is not None:
            raise _bad_header()
        if key is None:
            raise Unauthorized("this needs an API key: Authorization: Bearer <key>",
                               code="key_required")  # fmt: skip
        if self.scope not in key.scopes:
            raise Forbidden(f"this key does not have the {self.scope} scope",
                            code="scope_missing")  # fmt: skip
        if self.cluster and not key.is_cluster:
            raise Forbidden("this needs a cluster key", code="cluster_key_required")

    def describe(self) -> str:
        """Who may call, for the OpenAPI description."""
        return f"A {'cluster ' if self.cluster else ''}key with the {self.scope} scope."


def require(scope: str, cluster: bool = False) -> Callable:
    """Decorate a responder: it needs a key with ``scope`` (and a cluster key); the check is
    the responder's ``key_check``, which the OpenAPI description reads."""
    check = KeyCheck(scope, cluster)

    def wrap(responder: Callable) -> Callable:
        hooked = falcon.before(check)(responder)
        hooked.key_check = check
        return hooked

    return wrap


def _bad_header() -> Unauthorized:
    return Unauthorized("send the key as Authorization: Bearer <key>",
                        code="invalid_authorization")  # fmt: skip


def audience_of(store: Store, key: ApiKey) -> Audience:
    """What a key reads as: a cluster key as the operator, a site key as its site."""
    if key.is_cluster:
        return Audience.operator()
    with store.read() as conn:
        return Audience.member(conn, key.site)
