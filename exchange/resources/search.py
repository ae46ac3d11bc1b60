"""``GET /v1/search``."""

import falcon

from exchange.links import web_link
from exchange.search_params import anchor_and_scope, search_request
from exchange.search_service import Answer, SearchService
from exchange.services.cards import ServiceCard
from exchange.services.catalogue import ServiceItem
from exchange.site_cache import SiteCache
from indexer.search_types import Hit, SearchRequest, SearchResult


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
        "hits": [_hit(hit, hit.key in answer.pinned) for hit in result.hits],
        "service": _service(answer.service),
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


def _site_link(hit: Hit) -> dict:
    return _link(hit.key, hit.site_name, hit.title, hit.url)


def _service(card: ServiceCard | None) -> dict | None:
    """The service card (搜索即服务): the searching site's guide, else its nearest ancestor's,
    else the city level's, with the other places' guides of the same service."""
    if card is None:
        return None
    return {
        **_item(card.item, card.site_name),
        "name": card.item.name,
        "local": card.local,
        "lines": [{"label": line.label, "text": line.text} for line in card.item.lines],
        "others": [_item(other.item, other.site_name) for other in card.others],
    }


def _item(item: ServiceItem, site_name: str) -> dict:
    return _link(item.key, site_name, item.title, item.url)


def _link(key: str, site_name: str, title: str, url: str) -> dict:
    """A record named by its site and title, with its link (a folded copy, a guide)."""
    site, _, local_id = key.partition("/")
    return {"site": site, "id": local_id, "site_name": site_name, "title": title,
            "url": web_link(url)}  # fmt: skip


def _hit(hit: Hit, pinned: bool) -> dict:
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
        # The same title published by other sites, folded under this hit.
        "similar": [_site_link(other) for other in hit.similar],
        "similar_count": hit.similar_count,
        "pinned": pinned,
    }
