"""``POST /v1/records`` (push a batch) and ``GET /v1/records/{site}/{id}`` (one record)."""

import falcon

from exchange.auth import audience_of, require
from exchange.classification import Marks
from exchange.pulling import read_record
from exchange.pushing import MAX_BODY_BYTES, push
from exchange.resources.inputs import read_body, require_json
from exchange.store import Store


class RecordsResource:
    def __init__(self, store: Store, marks: Marks) -> None:
        self.store = store
        self.marks = marks

    @falcon.before(require("push"))
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        require_json(req)
        body = read_body(req, MAX_BODY_BYTES)
        token = req.get_header("Idempotency-Key")
        answer = push(self.store, req.context.key, body, self.marks, token)
        resp.status = answer.status
        resp.content_type = falcon.MEDIA_JSON
        resp.data = answer.body
        if answer.replayed:
            resp.set_header("Idempotent-Replayed", "true")


class RecordResource:
    def __init__(self, store: Store) -> None:
        self.store = store

    @falcon.before(require("pull"))
    def on_get(self, req: falcon.Request, resp: falcon.Response, site: str, local_id: str) -> None:
        audience = audience_of(self.store, req.context.key)
        resp.media = read_record(self.store, audience, site, local_id)
