"""A citizen's search as the service answers it: the search itself, what a search box shows
around it — related searches (相关搜索) with a first page, hot searches (热门搜索) with an empty
query — and its entry in the search log.

The JSON API (``/v1/search``) and the results page (``/search``) both answer through
:class:`SearchService`, so they agree with each other and both feed search analytics. What
is shown around a search passes the public screen (:mod:`exchange.query_screen`); whether
this search may one day be shown to others is decided here, from what it found.
"""

import time
from dataclasses import dataclass, field

from exchange.analytics import Searched, SearchLog
from exchange.best_bets import BestBets
from exchange.popular import PopularQueries
from exchange.query_screen import has_operators
from exchange.services.cards import ServiceCard
from exchange.services.finder import ServiceFinder
from indexer.engine.searching import IndexReader, official_terms, search
from indexer.search_types import SearchRequest, SearchResult
from indexer.suggesting import query_wordings, query_words, related_phrases

RELATED = 8
HOT = 10


@dataclass
class Answer:
    """A search's result and what is shown beside it."""

    result: SearchResult
    took_ms: float
    related: list[str] = field(default_factory=list)
    hot: list[tuple[str, int]] = field(default_factory=list)
    # 搜索即服务: the card of the service searched for (first page of a query).
    service: ServiceCard | None = None
    # Keys of the hits an operator pinned to the query (推荐结果), shown first on page 1.
    pinned: frozenset[str] = frozenset()


class SearchService:
    def __init__(
        self,
        reader: IndexReader,
        log: SearchLog,
        popular: PopularQueries,
        services: ServiceFinder | None = None,
        best_bets: BestBets | None = None,
    ) -> None:
        self.reader = reader
        self.log = log
        self.popular = popular
        self.services = services
        self.best_bets = best_bets

    def answer(
        self, request: SearchRequest, site: str | None, scope: str, client: str | None = None
    ) -> Answer:
        """Run ``request``; ``site`` and ``scope`` are what the caller asked for, as logged,
        ``client`` the address it came from (logged only as a keyed hash)."""
        started = time.perf_counter()
        result = search(self.reader, request)
        answer = Answer(result, (time.perf_counter() - started) * 1000)
        if self.services is not None and request.text and request.page == 1:
            answer.service = self._card(request.text, result, site)
        if not request.text:
            answer.hot = [(q.text, q.clients) for q in self.popular.hot(HOT)]
        elif request.page == 1:
            applied = result.correction is not None and result.correction.applied
            corrected = result.correction.query if applied else ""
            answer.related = self._related(corrected or request.text)
            if self.best_bets is not None:
                pinned = self.best_bets.pin(self.reader, request, site, result)
                answer.result, answer.pinned = pinned.result, pinned.keys
            self.log.record(
                Searched(
                    query=request.text,
                    site=site,
                    scope=scope,
                    results=result.total,
                    took_ms=answer.took_ms,
                    corrected_to=corrected,
                    client=client,
                    suggestible=found_as_typed(request.text, result),
                )
            )
        return answer

    def _card(self, text: str, result: SearchResult, site: str | None) -> ServiceCard | None:
        """The service card: for what was typed, the correction whose results are shown, or
        the official terms of its everyday words."""
        # The official terms of the everyday words typed (生孩子 → 生育登记) name the service,
        # the first term that names one.
        for term in result.matched or official_terms(self.reader, text):
            card = self.services.card(query_wordings(self.reader, term), site)
            if card is not None:
                return card
        wordings = query_wordings(self.reader, text)
        if result.correction is not None and result.correction.applied:
            wordings = query_wordings(self.reader, result.correction.query) + wordings
        return self.services.card(wordings, site)

    def _related(self, text: str) -> list[str]:
        """Past searches sharing a word with this one, then title phrases extending it."""
        words = query_words(self.reader, text)
        related = self.popular.related(text, words, RELATED)
        for phrase in related_phrases(self.reader, text, RELATED):
            if phrase not in related and self.popular.allows(phrase):
                related.append(phrase)
        return related[:RELATED]


def found_as_typed(text: str, result: SearchResult) -> bool:
    """Whether a search may count towards a public suggestion: it found results as typed —
    no correction replaced it, no word was left out to find anything — and it has no
    operator, which would let any text ride on a query that finds something
    (``公积金 OR 加微信领取补贴``)."""
    replaced = result.correction is not None and result.correction.applied
    return result.total > 0 and not replaced and not result.missing and not has_operators(text)
