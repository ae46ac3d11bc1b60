"""``GET /v1/suggest``: completions for what is typed in a search box."""

import falcon

from exchange.errors import InvalidInput
from indexer.searching import IndexReader
from indexer.suggesting import MAX_PREFIX, suggest

MAX_LIMIT = 20


class SuggestResource:
    def __init__(self, reader: IndexReader) -> None:
        self.reader = reader

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        prefix = req.get_param("q", default="") or ""
        if len(prefix) > MAX_PREFIX:
            raise InvalidInput(
                f"q is longer than {MAX_PREFIX} characters", code="query_too_long", field="q"
            )
        limit = req.get_param_as_int("limit", default=10, min_value=1, max_value=MAX_LIMIT)
        found = suggest(self.reader, prefix, limit)
        resp.media = {
            "query": prefix,
            "suggestions": [{"text": s.text, "count": s.count} for s in found],
        }
