"""Bans (封禁) over HTTP, for a cluster key with the ``admin`` scope.

* ``GET /v1/bans`` — the bans in force, newest first (``?all=true``: every ban ever placed);
* ``POST /v1/bans`` with ``{"address": "203.0.113.7" | "203.0.113.0/24"}`` or
  ``{"key": "KEY_ID"}``, and optionally ``"duration": "2h"`` (none: until lifted),
  ``"reason": "…"`` and, for an address, ``"spare_keys": true`` (a request with a valid key
  goes through);
* ``DELETE /v1/bans/{id}`` — lift a ban (unban).
"""

from typing import Annotated, NotRequired, TypedDict

import falcon

from exchange.auth import require
from exchange.declaring import Answer, Body, declare
from exchange.errors import InvalidInput, NotFound, TooLarge
from exchange.guard.manual import ban_manually
from exchange.guard.middleware import Guard
from exchange.guard.policy import parse_duration
from exchange.params import Flag
from exchange.resources.inputs import json_object
from exchange.store import Store
from exchange.store.bans import BanEntry, lift_ban, list_bans

EVERY = Flag("all", "every ban ever placed, lifted and expired ones too", default=False)


class Bans(TypedDict):
    """Bans, newest first."""

    bans: list[BanEntry]


class NewBan(TypedDict):
    """One of address and key; the rest optional."""

    address: NotRequired[Annotated[str, "an address or a network (CIDR)"]]
    key: NotRequired[Annotated[str, "a key id"]]
    duration: NotRequired[Annotated[str, "30m, 12h, 7d; none: until lifted"]]
    reason: NotRequired[str]
    spare_keys: NotRequired[
        Annotated[bool, "an address ban only: let a request with a valid, unbanned key through"]
    ]


class BansResource:
    def __init__(self, store: Store, guard: Guard) -> None:
        self.store = store
        self.guard = guard

    @require("admin", cluster=True)
    @declare(query=(EVERY,), answers={200: Answer("Bans", Bans)}, raises=(InvalidInput,))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Bans (封禁) in force, newest first."""
        every = EVERY.read(req)
        resp.media = {"bans": [ban.as_dict() for ban in list_bans(self.store, every)]}

    @require("admin", cluster=True)
    @declare(
        body=Body(NewBan),
        answers={201: Answer("The ban", BanEntry)},
        raises=(InvalidInput, NotFound, TooLarge, falcon.HTTPUnsupportedMediaType),
    )
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Ban an address, a network or a key."""
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

    @require("admin", cluster=True)
    @declare(answers={200: Answer("The ban, lifted", BanEntry)}, raises=(NotFound,))
    def on_delete(
        self, req: falcon.Request, resp: falcon.Response, ban_id: Annotated[int, "the ban's id"]
    ) -> None:
        """Lift a ban (unban)."""
        ban = lift_ban(self.store, ban_id, req.context.key.actor)
        self.guard.bans.reload()
        resp.media = ban.as_dict()
