"""Query-string parameters of a search, validated into an
:class:`indexer.search_types.SearchRequest`.

Scopes (范围): ``site`` (this site only), ``branch`` (this site and every site below it),
``tier`` (every site of this site's tier) and ``cluster`` (everything). A scope other than
``cluster`` needs ``site``; ``site`` alone means the site's scope.
"""

from datetime import date, datetime, time

import falcon

from exchange.errors import InvalidInput
from exchange.params import Choice, Day, Flag, Text, Whole
from exchange.search_filters import FILTERS
from exchange.services.cards import nearest_first
from exchange.services.naming import cluster_places
from exchange.store.sites import Site
from indexer.engine.querying import MAX_QUERY_CHARS
from indexer.search_types import MAX_DEPTH, MAX_PAGE_SIZE, SearchRequest

SCOPES = ("site", "branch", "tier", "cluster")
SORTS = ("relevance", "newest")

QUERY = Text("q", 'words (all required), "phrases", -exclusions, OR; empty: newest first',
             max_length=MAX_QUERY_CHARS, too_long_code="query_too_long")  # fmt: skip
SITE = Text("site", "the site the search box belongs to")
SCOPE = Choice("scope", "site, branch (the site and below), tier, or cluster; default: site "
               "with a site, else cluster", SCOPES)  # fmt: skip
FROM = Day("from", "published on or after")
TO = Day("to", "published on or before")
SORT = Choice("sort", "relevance or newest", SORTS, default="relevance")
PAGE = Whole("page", "page number", default=1, low=1, high=MAX_DEPTH)
SIZE = Whole("size", f"hits a page; page × size ≤ {MAX_DEPTH}", default=10, low=1,
             high=MAX_PAGE_SIZE)  # fmt: skip
FACETS = Flag("facets", "count tiers, sites, doc types and years", default=True)
EXACT = Flag("exact", "search as typed, no pinyin or typo correction", default=False)
GROUP = Flag("group", "fold look-alike titles of several sites into one hit", default=True)
PARAMS = (QUERY, SITE, SCOPE, *FILTERS, FROM, TO, SORT, PAGE, SIZE, FACETS, EXACT, GROUP)
"""Every parameter :func:`search_request` reads, in the order it reads them."""


def search_request(req: falcon.Request, sites: dict[str, Site]) -> SearchRequest:
    text = QUERY.read(req) or ""
    anchor, scope = anchor_and_scope(req)
    SCOPE.check(scope)
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
        values = spec.read(req)
        if values:
            # Within the scope: ?scope=tier&tier=… finds what both allow (nothing if none).
            request.filters[spec.index_field] = values
    request.published_from = _moment(FROM.read(req), time.min)
    request.published_to = _moment(TO.read(req), time.max)
    request.sort = SORT.read(req)
    request.page = PAGE.read(req)
    request.page_size = SIZE.read(req)
    if request.page * request.page_size > MAX_DEPTH:
        raise InvalidInput(f"results beyond the first {MAX_DEPTH} are not served; refine the query",
                           code="page_too_deep", field="page")  # fmt: skip
    request.facets = FACETS.read(req)
    # "仍然搜索 …": search exactly what was typed, without respelling or typo fixes.
    request.correct = not EXACT.read(req)
    # Look-alike titles of several sites (each county's guide to one service) are one hit,
    # showing the searching site's copy, or its nearest ancestor's (group=false: every copy).
    if GROUP.read(req):
        request.collapse = cluster_places(sites)
        request.near = nearest_first(anchor, sites) if anchor else ()
    # A closed site (关停) disappears from public search at once, before any re-index.
    request.exclude_sites = [code for code, site in sites.items() if site.state != "open"]
    return request


def anchor_and_scope(req: falcon.Request) -> tuple[str | None, str]:
    """The site a search is made from and its scope, as asked (not yet validated)."""
    anchor = SITE.read(req)
    return anchor, SCOPE.raw(req, default="site" if anchor else "cluster")


def _moment(day: date | None, at: time) -> datetime | None:
    return None if day is None else datetime.combine(day, at)
