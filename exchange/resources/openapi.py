"""``GET /openapi.json``."""

import falcon
import orjson

from exchange.openapi import spec


class OpenApiResource:
    def __init__(self) -> None:
        self._body: bytes | None = None

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        if self._body is None:
            self._body = orjson.dumps(spec())
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body
