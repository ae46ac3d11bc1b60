"""``GET /v1/suggest``: completions for what is typed in a search box."""

import falcon

from exchange.errors import InvalidInput
from exchange.numbers import whole_param
from exchange.popular import PopularQueries
from indexer.searching import IndexReader
from indexer.suggesting import MAX_PREFIX, suggest

MAX_LIMIT = 20


class SuggestResource:
    def __init__(self, reader: IndexReader, popular: PopularQueries) -> None:
        self.reader = reader
        self.popular = popular

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        prefix = req.get_param("q", default="") or ""
        if len(prefix) > MAX_PREFIX:
            raise InvalidInput(
                f"q is longer than {MAX_PREFIX} characters", code="query_too_long", field="q"
            )
        limit = whole_param(req, "limit", 10, 1, MAX_LIMIT)
        # What people searched (and found) first, then words and phrases of the titles.
        found = [
            {"text": past.text, "count": past.clients, "source": "query"}
            for past in self.popular.completions(prefix, limit)
        ]
        seen = {s["text"] for s in found}
        for s in suggest(self.reader, prefix, limit):
            if s.text not in seen and len(found) < limit and self.popular.allows(s.text):
                found.append({"text": s.text, "count": s.count, "source": "title"})
        resp.media = {"query": prefix, "suggestions": found}
