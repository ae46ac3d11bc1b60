"""Administration over HTTP: grants for conditional sharing, and the confidentiality review.

* ``GET /v1/grants`` — the grants of the key's site (a cluster key: all, or ``?site=``);
* ``PUT`` / ``DELETE /v1/grants/{owner}/{grantee}`` — grant or revoke; a site key only for
  its own site;
* ``GET /v1/review`` — records held for review (cluster key);
* ``POST /v1/review/{site}/{id}`` with ``{"decision": "release" | "reject", "note": "…"}``.
"""

from typing import Annotated, Literal, NotRequired, TypedDict

import falcon

from exchange.auth import require
from exchange.declaring import Answer, Body, SiteCode, declare
from exchange.errors import Conflict, Forbidden, InvalidInput, NotFound, TooLarge
from exchange.json_schema import Schema
from exchange.params import Text, Whole
from exchange.record_input import LocalId
from exchange.record_output import Record, record_json
from exchange.resources.inputs import json_object
from exchange.store import Store
from exchange.store.grants import GrantEntry, add_grant, list_grants, remove_grant
from exchange.store.keys import ApiKey
from exchange.store.reviewing import decide, held_records

MAX_NOTE = 500

GRANTS_OF = Text("site", "a cluster key: only this site's grants")
HELD_OF = Text("site", "only this site's records")
HELD_LIMIT = Whole("limit", "at most this many", default=100, low=1, high=1000)


class Grants(TypedDict):
    grants: list[GrantEntry]


class Granted(TypedDict):
    owner: str
    grantee: str
    created: Annotated[bool, "false: the grant was there already"]


class Held(TypedDict):
    held: list[Record]


class Decision(TypedDict):
    """What the reviewer decided about a held record."""

    decision: Literal["release", "reject"]
    note: NotRequired[Annotated[str, Schema(maxLength=MAX_NOTE)]]


Owner = Annotated[str, "the granting site"]
Grantee = Annotated[str, "the site granted"]


class GrantsResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @require("admin")
    @declare(query=(GRANTS_OF,), answers={200: Answer("Grants", Grants)}, raises=(InvalidInput,))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Conditional-sharing grants: a site key's own, a cluster key's all."""
        key: ApiKey = req.context.key
        site = key.site if not key.is_cluster else GRANTS_OF.read(req)
        resp.media = {"grants": [grant.as_dict() for grant in list_grants(self.store, site)]}


class GrantResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @require("admin")
    @declare(
        answers={200: Answer("Already granted", Granted), 201: Answer("Granted", Granted)},
        raises=(InvalidInput, NotFound),
    )
    def on_put(
        self, req: falcon.Request, resp: falcon.Response, owner: Owner, grantee: Grantee
    ) -> None:
        """Grant GRANTEE the conditional records of OWNER."""
        key = _owner_key(req, owner)
        created = add_grant(self.store, owner, grantee, key.actor)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_200
        resp.media = {"owner": owner, "grantee": grantee, "created": created}

    @require("admin")
    @declare(answers={204: Answer("Withdrawn")}, raises=(NotFound,))
    def on_delete(self, req: falcon.Request, resp: falcon.Response, owner: Owner, grantee: Grantee):
        """Withdraw a grant."""
        key = _owner_key(req, owner)
        if not remove_grant(self.store, owner, grantee, key.actor):
            raise NotFound(f"site {owner} has not granted {grantee}", code="unknown_grant")
        resp.status = falcon.HTTP_204


class ReviewQueueResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @require("admin", cluster=True)
    @declare(
        query=(HELD_OF, HELD_LIMIT), answers={200: Answer("Held records", Held)},
        raises=(InvalidInput,),
    )  # fmt: skip
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Records held by confidentiality review (保密审查)."""
        limit = HELD_LIMIT.read(req)
        held = held_records(self.store, HELD_OF.read(req), limit)
        resp.media = {"held": [record_json(change) for change in held]}


class ReviewDecisionResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @require("admin", cluster=True)
    @declare(
        body=Body(Decision),
        answers={200: Answer("The record as decided", Record)},
        raises=(InvalidInput, NotFound, Conflict, TooLarge, falcon.HTTPUnsupportedMediaType),
    )
    def on_post(
        self, req: falcon.Request, resp: falcon.Response, site: SiteCode, local_id: LocalId
    ):
        """Release or reject a held record."""
        body = json_object(req)
        decision, note = body.get("decision"), body.get("note", "")
        if not isinstance(decision, str):
            raise InvalidInput("decision is required: release or reject", code="missing_field",
                               field="decision")  # fmt: skip
        if not isinstance(note, str) or len(note) > MAX_NOTE:
            raise InvalidInput(f"note must be a string of at most {MAX_NOTE} characters",
                               field="note")  # fmt: skip
        change = decide(self.store, site, local_id, decision, req.context.key.actor, note)
        resp.media = record_json(change)


def _owner_key(req: falcon.Request, owner: str) -> ApiKey:
    key: ApiKey = req.context.key
    if not key.owns(owner):
        raise Forbidden(f"this key manages the grants of site {key.site}, not {owner}",
                        code="site_not_owned")  # fmt: skip
    return key
