"""Bans (封禁) over HTTP, for a cluster key with the ``admin`` scope.

* ``GET /v1/bans`` — the bans in force, newest first (``?all=true``: every ban ever placed);
* ``POST /v1/bans`` with ``{"address": "203.0.113.7" | "203.0.113.0/24"}`` or
  ``{"key": "KEY_ID"}``, and optionally ``"duration": "2h"`` (none: until lifted),
  ``"reason": "…"`` and, for an address, ``"spare_keys": true`` (a request with a valid key
  goes through);
* ``DELETE /v1/bans/{id}`` — lift a ban (unban).
"""

import falcon

from exchange.auth import require
from exchange.errors import InvalidInput
from exchange.guard.manual import ban_manually
from exchange.guard.middleware import Guard
from exchange.guard.policy import parse_duration
from exchange.resources.inputs import json_object
from exchange.store import Store
from exchange.store.bans import lift_ban, list_bans


class BansResource:
    def __init__(self, store: Store, guard: Guard) -> None:
        self.store = store
        self.guard = guard

    @falcon.before(require("admin", cluster=True))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        every = req.get_param_as_bool("all", default=False)
        resp.media = {"bans": [ban.as_dict() for ban in list_bans(self.store, every)]}

    @falcon.before(require("admin", cluster=True))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = json_object(req)
        given = [kind for kind in ("address", "key") if kind in body]
        if len(given) != 1 or not isinstance(body[given[0]], str):
            raise InvalidInput("name one address (or network) or one key id",
                               code="missing_field", field="address")  # fmt: skip
        duration, reason = body.get("duration"), body.get("reason", "")
        if duration is not None:
            if not isinstance(duration, str):
                raise InvalidInput("duration is a string such as 30m, 1h or 2d", field="duration")
            try:
                duration = parse_duration(duration)
            except ValueError as error:
                raise InvalidInput(f"duration: {error}", field="duration") from None
        if not isinstance(reason, str):
            raise InvalidInput("reason must be a string", field="reason")
        spares_keys = body.get("spare_keys", False)
        if not isinstance(spares_keys, bool):
            raise InvalidInput("spare_keys must be true or false", field="spare_keys")
        kind = given[0]
        ban = ban_manually(self.store, self.guard.addresses, kind, body[kind],
                           req.context.key.actor, duration, reason, spares_keys)  # fmt: skip
        self.guard.bans.reload()
        resp.status = falcon.HTTP_201
        resp.media = ban.as_dict()


class BanResource:
    def __init__(self, store: Store, guard: Guard) -> None:
        self.store = store
        self.guard = guard

    @falcon.before(require("admin", cluster=True))
    def on_delete(self, req: falcon.Request, resp: falcon.Response, ban_id: int) -> None:
        ban = lift_ban(self.store, ban_id, req.context.key.actor)
        self.guard.bans.reload()
        resp.media = ban.as_dict()
