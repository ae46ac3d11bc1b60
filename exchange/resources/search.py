"""``GET /v1/search``."""

import time

import falcon

from exchange.analytics import PopularQueries, Searched, SearchLog
from exchange.search_params import search_request
from exchange.site_cache import SiteCache
from indexer.searching import Hit, IndexReader, SearchResult, search
from indexer.suggesting import query_words, related_phrases

RELATED = 8
HOT = 10


class SearchResource:
    def __init__(
        self, reader: IndexReader, sites: SiteCache, log: SearchLog, popular: PopularQueries
    ) -> None:
        self.reader = reader
        self.sites = sites
        self.log = log
        self.popular = popular

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        request = search_request(req, self.sites.get())
        started = time.perf_counter()
        result = search(self.reader, request)
        took = (time.perf_counter() - started) * 1000
        body = _result(request.text, request.page, request.page_size, result, took)
        if not request.text:
            body["hot"] = [{"query": q, "count": n} for q, n in self.popular.hot(HOT)]
        elif request.page == 1:
            searched = result.correction.query if result.correction else request.text
            body["related"] = self._related(searched)
            self.log.record(
                Searched(
                    query=request.text,
                    site=req.get_param("site"),
                    scope=req.get_param("scope")
                    or ("site" if req.get_param("site") else "cluster"),
                    results=result.total,
                    took_ms=took,
                    corrected_to=result.correction.query if result.correction else "",
                )
            )
        resp.media = body

    def _related(self, text: str) -> list[str]:
        """Past searches sharing a word with this one, then title phrases extending it."""
        words = query_words(self.reader, text)
        related = self.popular.related(text, words, RELATED)
        for phrase in related_phrases(self.reader, text, RELATED):
            if phrase not in related:
                related.append(phrase)
        return related[:RELATED]


def _result(text: str, page: int, size: int, result: SearchResult, took_ms: float) -> dict:
    return {
        "query": text,
        "total": result.total,
        "page": page,
        "size": size,
        "took_ms": round(took_ms, 2),
        "generation": result.generation,
        "hits": [_hit(hit) for hit in result.hits],
        "facets": result.facets,
        "correction": _correction(result),
    }


def _correction(result: SearchResult) -> dict | None:
    if result.correction is None:
        return None
    return {
        "query": result.correction.query,
        "original": result.correction.original,
        "kind": result.correction.kind,
    }


def _hit(hit: Hit) -> dict:
    site, _, local_id = hit.key.partition("/")
    return {
        "site": site,
        "id": local_id,
        "site_name": hit.site_name,
        "tier": hit.tier,
        "title": hit.title,
        "snippet": hit.snippet,
        "url": hit.url,
        "published": hit.published.isoformat() + "+08:00" if hit.published else None,
        "column": hit.column,
        "doc_type": hit.doc_type,
        "disclosure": hit.disclosure,
        "score": round(hit.score, 4),
    }
