"""``GET /v1/search``."""

import falcon

from exchange.links import web_link
from exchange.search_params import anchor_and_scope, search_request
from exchange.search_service import Answer, SearchService
from exchange.site_cache import SiteCache
from indexer.searching import Hit, SearchRequest, SearchResult


class SearchResource:
    def __init__(self, service: SearchService, sites: SiteCache) -> None:
        self.service = service
        self.sites = sites

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        request = search_request(req, self.sites.get())
        answer = self.service.answer(request, *anchor_and_scope(req), req.context.get("client"))
        body = _result(request, answer)
        if not request.text:
            body["hot"] = [{"query": q, "count": n} for q, n in answer.hot]
        elif request.page == 1:
            body["related"] = answer.related
        resp.media = body


def _result(request: SearchRequest, answer: Answer) -> dict:
    result = answer.result
    return {
        "query": request.text,
        "total": result.total,
        "page": request.page,
        "size": request.page_size,
        "took_ms": round(answer.took_ms, 2),
        "generation": result.generation,
        "hits": [_hit(hit) for hit in result.hits],
        "facets": result.facets,
        "correction": _correction(result),
        "missing": result.missing,
        "matched": result.matched,
    }


def _correction(result: SearchResult) -> dict | None:
    if result.correction is None:
        return None
    return {
        "query": result.correction.query,
        "original": result.correction.original,
        "kind": result.correction.kind,
        "applied": result.correction.applied,
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
        "url": web_link(hit.url),
        "published": hit.published.isoformat() + "+08:00" if hit.published else None,
        "column": hit.column,
        "doc_type": hit.doc_type,
        "disclosure": hit.disclosure,
        "score": round(hit.score, 4),
        "missing": hit.missing,
    }
