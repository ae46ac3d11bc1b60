"""``GET /v1/suggest``: completions for what is typed in a search box."""

from typing import Annotated, Literal, NotRequired, TypedDict

import falcon

from exchange.declaring import Answer, declare
from exchange.errors import InvalidInput
from exchange.links import web_link
from exchange.params import Text, Whole
from exchange.popular import PopularQueries
from exchange.services.finder import ServiceFinder
from indexer.engine.searching import IndexReader
from indexer.search_types import IndexUnavailable
from indexer.suggesting import MAX_PREFIX, query_wordings, suggest

MAX_LIMIT = 20

PREFIX = Text("q", "Chinese, pinyin or initials prefix", max_length=MAX_PREFIX,
              too_long_code="query_too_long")  # fmt: skip
LIMIT = Whole("limit", "at most this many", default=10, low=1, high=MAX_LIMIT)
SITE = Text("site", "the site the box belongs to: its own service guide comes first")


class Suggestion(TypedDict):
    text: str
    count: Annotated[
        int, "query: how many different clients asked it; title: how many titles use it"
    ]
    source: Literal["query", "title", "service"]
    url: NotRequired[Annotated[str, "service: the guide, opened when chosen"]]
    site_name: NotRequired[Annotated[str, "service: its site"]]


class Suggestions(TypedDict):
    query: str
    suggestions: list[Suggestion]


class SuggestResource:
    def __init__(
        self, reader: IndexReader, popular: PopularQueries, services: ServiceFinder | None = None
    ) -> None:
        self.reader = reader
        self.popular = popular
        self.services = services

    @declare(
        query=(PREFIX, LIMIT, SITE),
        answers={200: Answer("Completions, most used first", Suggestions)},
        raises=(InvalidInput, IndexUnavailable),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Completions for what is typed so far."""
        prefix = PREFIX.read(req) or ""
        limit = LIMIT.read(req)
        found = self._service(prefix, SITE.read(req))
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

    def _service(self, prefix: str, site: str | None) -> list[Suggestion]:
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
