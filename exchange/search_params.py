"""Query-string parameters of a search, validated into an
:class:`indexer.search_types.SearchRequest`.

Scopes (范围): ``site`` (this site only), ``branch`` (this site and every site below it),
``tier`` (every site of this site's tier) and ``cluster`` (everything). A scope other than
``cluster`` needs ``site``; ``site`` alone means the site's scope.
"""

from datetime import date, datetime, time

import falcon

from exchange.errors import InvalidInput
from exchange.numbers import whole_param
from exchange.search_filters import FILTERS
from exchange.services.cards import nearest_first
from exchange.services.naming import cluster_places
from exchange.store.sites import Site
from indexer.engine.querying import MAX_QUERY_CHARS
from indexer.search_types import MAX_DEPTH, MAX_PAGE_SIZE, SearchRequest

SCOPES = ("site", "branch", "tier", "cluster")
SORTS = ("relevance", "newest")


def search_request(req: falcon.Request, sites: dict[str, Site]) -> SearchRequest:
    text = req.get_param("q", default="") or ""
    if len(text) > MAX_QUERY_CHARS:
        raise InvalidInput(
            f"q is longer than {MAX_QUERY_CHARS} characters", code="query_too_long", field="q"
        )
    anchor, scope = anchor_and_scope(req)
    if scope not in SCOPES:
        raise InvalidInput(f"scope must be one of {', '.join(SCOPES)}", field="scope")
    request = SearchRequest(text=text.strip())
    if scope != "cluster":
        if not anchor:
            raise InvalidInput(f"scope={scope} needs a site", code="missing_field", field="site")
        site = sites.get(anchor)
        if site is None:
            raise InvalidInput(f"site {anchor} is not registered", code="unknown_site",
                               field="site")  # fmt: skip
        if scope == "site":
            request.sites = [anchor]
        elif scope == "branch":
            request.branch = anchor
        else:
            request.tiers = [site.tier]
    for spec in FILTERS:
        values = req.get_param_as_list(spec.name) or []
        for value in values:
            if spec.choices and value not in spec.choices:
                raise InvalidInput(f"{spec.name} must be one of {', '.join(spec.choices)}",
                                   field=spec.name)  # fmt: skip
        if values:
            # Within the scope: ?scope=tier&tier=… finds what both allow (nothing if none).
            request.filters[spec.index_field] = values
    request.published_from = _day(req.get_param("from"), "from", time.min)
    request.published_to = _day(req.get_param("to"), "to", time.max)
    request.sort = req.get_param("sort", default="relevance")
    if request.sort not in SORTS:
        raise InvalidInput(f"sort must be one of {', '.join(SORTS)}", field="sort")
    request.page = whole_param(req, "page", 1, 1, MAX_DEPTH)
    request.page_size = whole_param(req, "size", 10, 1, MAX_PAGE_SIZE)
    if request.page * request.page_size > MAX_DEPTH:
        raise InvalidInput(f"results beyond the first {MAX_DEPTH} are not served; refine the query",
                           code="page_too_deep", field="page")  # fmt: skip
    request.facets = req.get_param_as_bool("facets", default=True)
    # "仍然搜索 …": search exactly what was typed, without respelling or typo fixes.
    request.correct = not req.get_param_as_bool("exact", default=False)
    # Look-alike titles of several sites (each county's guide to one service) are one hit,
    # showing the searching site's copy, or its nearest ancestor's (group=false: every copy).
    if req.get_param_as_bool("group", default=True):
        request.collapse = cluster_places(sites)
        request.near = nearest_first(anchor, sites) if anchor else ()
    # A closed site (关停) disappears from public search at once, before any re-index.
    request.exclude_sites = [code for code, site in sites.items() if site.state != "open"]
    return request


def anchor_and_scope(req: falcon.Request) -> tuple[str | None, str]:
    """The site a search is made from and its scope, as asked (not yet validated)."""
    anchor = req.get_param("site")
    return anchor, req.get_param("scope", default="site" if anchor else "cluster")


def _day(value: str | None, name: str, at: time) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), at)
    except ValueError:
        raise InvalidInput(f"{name} must be a date YYYY-MM-DD", code="invalid_date",
                           field=name) from None  # fmt: skip
