"""``GET /v1/suggest``: completions for what is typed in a search box."""

import falcon

from exchange.errors import InvalidInput
from exchange.links import web_link
from exchange.numbers import whole_param
from exchange.popular import PopularQueries
from exchange.services.finder import ServiceFinder
from indexer.engine.searching import IndexReader
from indexer.suggesting import MAX_PREFIX, query_wordings, suggest

MAX_LIMIT = 20


class SuggestResource:
    def __init__(
        self, reader: IndexReader, popular: PopularQueries, services: ServiceFinder | None = None
    ) -> None:
        self.reader = reader
        self.popular = popular
        self.services = services

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        prefix = req.get_param("q", default="") or ""
        if len(prefix) > MAX_PREFIX:
            raise InvalidInput(
                f"q is longer than {MAX_PREFIX} characters", code="query_too_long", field="q"
            )
        limit = whole_param(req, "limit", 10, 1, MAX_LIMIT)
        found = self._service(prefix, req.get_param("site"))
        # What people searched (and found) first, then words and phrases of the titles.
        found += [
            {"text": past.text, "count": past.clients, "source": "query"}
            for past in self.popular.completions(prefix, limit)
        ]
        seen = {s["text"] for s in found}
        found = found[:limit]
        for s in suggest(self.reader, prefix, limit):
            if s.text not in seen and len(found) < limit and self.popular.allows(s.text):
                found.append({"text": s.text, "count": s.count, "source": "title"})
        resp.media = {"query": prefix, "suggestions": found}

    def _service(self, prefix: str, site: str | None) -> list[dict]:
        """The service card of what is typed, as the first suggestion: the searching site's
        guide (else its nearest ancestor's), opened directly when chosen."""
        if self.services is None or not prefix.strip():
            return []
        if site is not None and site not in self.services.sites.get():
            raise InvalidInput(f"site {site} is not registered", code="unknown_site", field="site")
        card = self.services.card(query_wordings(self.reader, prefix), site)
        if card is None or not web_link(card.item.url):
            return []
        return [
            {
                "text": card.item.title,
                "count": 0,
                "source": "service",
                "url": card.item.url,
                "site_name": card.site_name,
            }
        ]
