"""``GET /v1/search``: the answer's shape (:class:`SearchAnswer`) and how it is made."""

from typing import Annotated, Literal, NotRequired, TypedDict

import falcon

from exchange.declaring import Answer, declare
from exchange.errors import InvalidInput
from exchange.json_schema import DateTime
from exchange.links import web_link
from exchange.search_params import PARAMS, anchor_and_scope, search_request
from exchange.search_service import Answer as Answered
from exchange.search_service import SearchService
from exchange.services import cards
from exchange.services.catalogue import ServiceItem
from exchange.site_cache import SiteCache
from indexer import search_types
from indexer.engine.querying import QueryTooComplex
from indexer.search_types import IndexUnavailable, SearchRequest, SearchResult

MARKED = "HTML-escaped; only <mark> is markup"


class SiteLink(TypedDict):
    """A record named by its site and title, with its link (a folded copy, a guide)."""

    site: str
    id: str
    site_name: str
    title: str
    url: str


class Hit(TypedDict):
    site: str
    id: str
    site_name: str
    tier: str
    title: Annotated[str, MARKED]
    snippet: Annotated[str, MARKED]
    url: str
    published: DateTime | None
    column: str
    doc_type: str
    disclosure: dict[str, str]
    score: float
    missing: Annotated[
        list[str], "typed words this record lacks (缺少字词), when the query was relaxed"
    ]
    similar: Annotated[
        list[SiteLink],
        "the same title published by other sites (one service's guide "
        "of each county), folded under this hit, the first 3; empty with group=false",
    ]
    similar_count: Annotated[int, "how many copies were folded"]
    pinned: Annotated[
        bool,
        "an operator's best bet for this query and site (推荐结果): pinned hits "
        "come first on page 1 and are not repeated below; the total is unchanged",
    ]


class GuideLine(TypedDict):
    label: str
    text: str


class ServiceCard(TypedDict):
    """搜索即服务: the service card (first page of a query naming one service): the searching
    site's 办事指南, else its nearest ancestor's, else the city level's."""

    site: str
    id: str
    site_name: str
    title: str
    url: str
    name: Annotated[str, "the service (住房公积金提取)"]
    local: Annotated[
        bool, "the searching site's own guide or an ancestor's (the whole cluster: the top level's)"
    ]
    lines: Annotated[
        list[GuideLine], "key lines the guide has: 办理条件, 申请材料, 办理地点, 咨询电话"
    ]
    others: Annotated[list[SiteLink], "the same service's guides of other places (其他地区)"]


class Correction(TypedDict):
    query: Annotated[str, "what was searched (以下是…的结果)"]
    original: Annotated[str, "what was typed (仍然搜索…)"]
    kind: Literal["pinyin", "typo", "phrase"]
    applied: Annotated[bool, "false: only suggested (您是不是要找…); the hits are for q"]


class HotQuery(TypedDict):
    query: str
    count: int


class SearchAnswer(TypedDict):
    query: str
    total: int
    page: int
    size: int
    took_ms: float
    generation: int
    hits: list[Hit]
    service: ServiceCard | None
    facets: dict[str, dict[str, int]]
    related: NotRequired[Annotated[list[str], "related searches (first page of a non-empty query)"]]
    hot: NotRequired[
        Annotated[
            list[HotQuery],
            "the queries most different clients searched this week that "
            "pass the public screen (empty query only); count: how many clients",
        ]
    ]
    missing: Annotated[
        list[str],
        "typed words the hits leave out: the query as typed found nothing "
        "and was relaxed to all but one of its words",
    ]
    matched: Annotated[
        list[str],
        "official terms also searched for everyday words of the query "
        "(已为您匹配: 生孩子 → 生育登记); empty when none matched or nothing was found",
    ]
    correction: Correction | None


class SearchResource:
    def __init__(self, service: SearchService, sites: SiteCache) -> None:
        self.service = service
        self.sites = sites

    @declare(
        query=PARAMS,
        answers={200: Answer("Hits, facets and any correction", SearchAnswer)},
        raises=(InvalidInput, QueryTooComplex, IndexUnavailable),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """Search the cluster."""
        request = search_request(req, self.sites.get())
        answer = self.service.answer(request, *anchor_and_scope(req), req.context.get("client"))
        body = _result(request, answer)
        if not request.text:
            body["hot"] = [{"query": q, "count": n} for q, n in answer.hot]
        elif request.page == 1:
            body["related"] = answer.related
        resp.media = body


def _result(request: SearchRequest, answer: Answered) -> SearchAnswer:
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


def _correction(result: SearchResult) -> Correction | None:
    if result.correction is None:
        return None
    return {
        "query": result.correction.query,
        "original": result.correction.original,
        "kind": result.correction.kind,
        "applied": result.correction.applied,
    }


def _site_link(hit: search_types.Hit) -> SiteLink:
    return _link(hit.key, hit.site_name, hit.title, hit.url)


def _service(card: cards.ServiceCard | None) -> ServiceCard | None:
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


def _item(item: ServiceItem, site_name: str) -> SiteLink:
    return _link(item.key, site_name, item.title, item.url)


def _link(key: str, site_name: str, title: str, url: str) -> SiteLink:
    """A record named by its site and title, with its link (a folded copy, a guide)."""
    site, _, local_id = key.partition("/")
    return {"site": site, "id": local_id, "site_name": site_name, "title": title,
            "url": web_link(url)}  # fmt: skip


def _hit(hit: search_types.Hit, pinned: bool) -> Hit:
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
