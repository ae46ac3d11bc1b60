"""``GET /v1/search``."""

import time

import falcon

from exchange.search_params import search_request
from exchange.site_cache import SiteCache
from indexer.searching import Hit, IndexReader, SearchResult, search


class SearchResource:
    def __init__(self, reader: IndexReader, sites: SiteCache) -> None:
        self.reader = reader
        self.sites = sites

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        request = search_request(req, self.sites.get())
        started = time.perf_counter()
        result = search(self.reader, request)
        took = (time.perf_counter() - started) * 1000
        resp.media = _result(request.text, request.page, request.page_size, result, took)


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
