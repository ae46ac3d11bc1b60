"""``POST /v1/records`` (push a batch) and ``GET /v1/records/{site}/{id}`` (one record)."""

import falcon

from exchange.auth import audience_of, require
from exchange.classification import Marks
from exchange.declaring import Answer, Body, SiteCode, declare
from exchange.errors import InvalidInput, NotFound, TooLarge, Unprocessable
from exchange.pulling import read_record
from exchange.pushing import MAX_BODY_BYTES, Batch, Pushed, push
from exchange.record_input import LocalId
from exchange.record_output import Record
from exchange.resources.inputs import read_body, require_json
from exchange.store import Store


class RecordsResource:
    def __init__(self, store: Store, marks: Marks) -> None:
        self.store = store
        self.marks = marks

    @require("push")
    @declare(
        body=Body(Batch),
        answers={200: Answer("One result per item, in order", Pushed)},
        raises=(InvalidInput, TooLarge, falcon.HTTPUnsupportedMediaType, Unprocessable),
    )
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Push a batch of upserts and withdrawals.

        `Idempotency-Key` replays the first answer to a retry (docs/records.md).
        """
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

    @require("pull")
    @declare(answers={200: Answer("The record", Record)}, raises=(NotFound,))
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, site: SiteCode, local_id: LocalId
    ) -> None:
        """One record, if the key's site may see it."""
        audience = audience_of(self.store, req.context.key)
        resp.media = read_record(self.store, audience, site, local_id)
