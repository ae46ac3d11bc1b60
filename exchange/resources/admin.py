"""Administration over HTTP: grants for conditional sharing, and the confidentiality review.

* ``GET /v1/grants`` — the grants of the key's site (a cluster key: all, or ``?site=``);
* ``PUT`` / ``DELETE /v1/grants/{owner}/{grantee}`` — grant or revoke; a site key only for
  its own site;
* ``GET /v1/review`` — records held for review (cluster key);
* ``POST /v1/review/{site}/{id}`` with ``{"decision": "release" | "reject", "note": "…"}``.
"""

import falcon

from exchange.auth import require
from exchange.errors import Forbidden, InvalidInput, NotFound
from exchange.numbers import whole_param
from exchange.record_output import record_json
from exchange.resources.inputs import json_object
from exchange.store import Store
from exchange.store.grants import add_grant, list_grants, remove_grant
from exchange.store.keys import ApiKey
from exchange.store.reviewing import decide, held_records

MAX_NOTE = 500


class GrantsResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(require("admin"))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        key: ApiKey = req.context.key
        site = key.site if not key.is_cluster else req.get_param("site")
        resp.media = {"grants": [grant.as_dict() for grant in list_grants(self.store, site)]}


class GrantResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(require("admin"))
    def on_put(self, req: falcon.Request, resp: falcon.Response, owner: str, grantee: str) -> None:
        key = _owner_key(req, owner)
        created = add_grant(self.store, owner, grantee, key.actor)
        resp.status = falcon.HTTP_201 if created else falcon.HTTP_200
        resp.media = {"owner": owner, "grantee": grantee, "created": created}

    @falcon.before(require("admin"))
    def on_delete(self, req: falcon.Request, resp: falcon.Response, owner: str, grantee: str):
        key = _owner_key(req, owner)
        if not remove_grant(self.store, owner, grantee, key.actor):
            raise NotFound(f"site {owner} has not granted {grantee}", code="unknown_grant")
        resp.status = falcon.HTTP_204


class ReviewQueueResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(require("admin", cluster=True))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = whole_param(req, "limit", 100, 1, 1000)
        held = held_records(self.store, req.get_param("site"), limit)
        resp.media = {"held": [record_json(change) for change in held]}


class ReviewDecisionResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(require("admin", cluster=True))
    def on_post(self, req: falcon.Request, resp: falcon.Response, site: str, local_id: str):
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
