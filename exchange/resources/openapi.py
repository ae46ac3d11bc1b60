"""``GET /openapi.json``."""

import falcon
import orjson

from exchange.declaring import Answer, declare
from exchange.openapi import document


class OpenApiResource:
    def __init__(self, app: falcon.App) -> None:
        self.app = app
        self._body: bytes | None = None

    @declare(answers={200: Answer("The OpenAPI 3.1 document", dict)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """This description of the API, made from the routes the app serves."""
        if self._body is None:
            self._body = orjson.dumps(document(self.app))
        resp.content_type = falcon.MEDIA_JSON
        resp.data = self._body
