"""The guard as Falcon middleware: who the client is, bans, rate limits and automatic bans.

:class:`ClientOrigin` comes first: it resolves the client's address through the trusted
proxies, once, for everything after it (and for the audit log: :mod:`exchange.request_origin`).
Then two pieces, on either side of :class:`~exchange.auth.KeyAuthentication`:

* :class:`BanCheck` runs before it: a banned address is refused before anything else — but
  a ban that *spares keys* (every automatic one) lets a request with a valid, unrevoked key
  through, so a county's NAT shared with an attacker does not stop the county's CMS; anonymous
  requests and wrong keys from the address stay refused. After the answer it counts failed
  authentications (a 401 other than "this needs a key") towards an automatic ban;
* :class:`RateLimit` runs after it, when the caller's key is known: a banned key is refused,
  then the request is counted against its key's limit, or its address's when it has no key,
  in the search or the exchange category. Past the limit the answer is 429 with
  ``Retry-After``; a client refused too often is banned for a while.

The counting store may fail (Redis down); the guard then lets requests through and logs it:
losing rate limits for a while is better than losing the service.
"""

import logging
import math
import time
from datetime import timedelta

import falcon
from limits import RateLimitItem
from limits.errors import StorageError
from limits.storage import Storage
from limits.strategies import FixedWindowRateLimiter

from exchange import request_origin
from exchange.auth import valid_key
from exchange.errors import Forbidden, TooManyRequests
from exchange.guard.banlist import BanList
from exchange.guard.clients import ClientAddresses, bucket
from exchange.guard.counters import open_counters
from exchange.guard.policy import AutoBan, RateLimits, parse_auto_ban, parse_rate_limits
from exchange.settings import Config
from exchange.store import Store
from exchange.store.bans import Ban, add_ban_unless_banned

log = logging.getLogger("zhanqun")

ACTOR = "service:guard"
# Liveness, metrics and static files: what monitors and every page load fetch.
UNLIMITED = frozenset({"/healthz", "/readyz", "/metrics", "/openapi.json", "/embed.js",
                       "/opensearch.xml", "/admin/dashboard.css"})  # fmt: skip
UNLIMITED_PREFIXES = ("/assets/",)
EXCHANGE_PREFIXES = ("/v1/records", "/v1/changes", "/v1/grants", "/v1/review", "/v1/bans",
                     "/feeds/", "/oai")  # fmt: skip


def category_of(path: str) -> str | None:
    """``exchange``, ``search`` (everything else public), or None for what is never limited."""
    if path in UNLIMITED or path.startswith(UNLIMITED_PREFIXES):
        return None
    if path.startswith(EXCHANGE_PREFIXES):
        return "exchange"
    return "search"


class Guard:
    """What both middleware pieces share: addresses, bans, counters and the policy."""

    def __init__(
        self,
        store: Store,
        addresses: ClientAddresses,
        counters: Storage,
        rate_limits: RateLimits,
        auto_ban: AutoBan,
        bans: BanList | None = None,
    ) -> None:
        self.store = store
        self.addresses = addresses
        self.limiter = FixedWindowRateLimiter(counters)
        self.rate_limits = rate_limits
        self.auto_ban = auto_ban
        self.bans = bans or BanList(store)

    @classmethod
    def from_config(cls, config: Config, store: Store) -> "Guard":
        counters = open_counters(config.rate_limit_url, store, config.data_dir)
        return cls(
            store,
            ClientAddresses.parse(config.trusted_proxies),
            counters,
            parse_rate_limits(config.rate_limits),
            parse_auto_ban(config.auto_ban),
        )

    def over_limit(self, items: tuple[RateLimitItem, ...], *subject: str) -> int | None:
        """Count one request; the seconds to wait if it is past one of ``items``."""
        try:
            for item in items:
                if not self.limiter.hit(item, *subject):
                    reset, _ = self.limiter.get_window_stats(item, *subject)
                    return max(1, math.ceil(reset - time.time()))
        except StorageError as error:
            log.warning("rate limits not counted: %s", error.storage_error)
        return None

    def ban_after(
        self, threshold: RateLimitItem | None, kind: str, subject: str, what: str
    ) -> None:
        """Count one offence; ban ``subject`` once it has more than ``threshold`` of them."""
        if threshold is None:
            return
        if self.over_limit((threshold,), "offence", what, kind, subject) is None:
            return
        duration: timedelta = self.auto_ban.duration
        reason = f"automatic: {what} beyond {threshold}"
        # An address ban spares keys: a valid key from it is no attacker's (docs/security.md).
        placed = add_ban_unless_banned(self.store, kind, subject, ACTOR, duration, reason,
                                       spares_keys=kind == "address")  # fmt: skip
        if placed is not None:
            log.warning("banned %s %s for %s: %s", kind, subject, duration, reason)
            self.bans.reload()


def _refuse(ban: Ban, who: str) -> Forbidden:
    left = ban.seconds_left()
    until = "until the operator lifts it" if left is None else f"for another {left} s"
    error = Forbidden(f"{who} is banned {until} (ban {ban.id}); ask the cluster operator",
                      code="banned")  # fmt: skip
    if left is not None:
        error.headers = (("Retry-After", str(left)),)
    return error


class ClientOrigin:
    """Falcon middleware, first of the guard's: ``req.context.client`` (the address the
    request is counted and banned as) and the origin the audit log records."""

    def __init__(self, addresses: ClientAddresses) -> None:
        self.addresses = addresses

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        origin = self.addresses.origin(req.remote_addr, req.get_header("X-Forwarded-For"))
        req.context.client = origin.client
        req.context.origin_token = request_origin.enter(origin)

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool
    ) -> None:
        token = req.context.get("origin_token")
        if token is not None:
            request_origin.leave(token)


class BanCheck:
    """Falcon middleware before authentication: banned addresses; failed authentications."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        client = req.context.get("client") or self.guard.addresses.of(req)
        req.context.client = client
        ban = self.guard.bans.for_address(client)
        if ban is None:
            return
        # Key guessing is hopeless against 256-bit secrets; shutting out a county is not.
        if ban.spares_keys and valid_key(self.guard.store, req) is not None:
            return
        raise _refuse(ban, "this address")

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool
    ) -> None:
        client = req.context.get("client")
        if resp.status_code != 401 or client is None or self.guard.addresses.is_trusted(client):
            return
        if req.context.get("error_code") == "key_required":
            return  # asked for a key without presenting one: no failed attempt
        self.guard.ban_after(
            self.guard.auto_ban.auth, "address", bucket(client), "failed authentications"
        )


class RateLimit:
    """Falcon middleware after authentication: banned keys; the rate limits."""

    def __init__(self, guard: Guard) -> None:
        self.guard = guard

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        key = req.context.get("key")
        if key is not None and (ban := self.guard.bans.for_key(key.id)) is not None:
            raise _refuse(ban, f"key {key.id}")
        category = category_of(req.path)
        if category is None:
            return
        if key is not None:
            kind, subject, name = "key", key.id, f"{category}_key"
        else:
            client = req.context.get("client") or self.guard.addresses.of(req)
            if self.guard.addresses.is_trusted(client):
                return
            kind, subject, name = "address", bucket(client), category
        wait = self.guard.over_limit(self.guard.rate_limits[name], name, kind, subject)
        if wait is None:
            return
        self.guard.ban_after(self.guard.auto_ban.abuse, kind, subject, "requests over the limit")
        error = TooManyRequests(f"too many {category} requests; retry in {wait} s")
        error.headers = (("Retry-After", str(wait)),)
        raise error
