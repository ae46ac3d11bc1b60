"""What the results page shows for one search, ready for the template: the hits with their
site and date, the page links, the correction ("以下是 X 的结果 / 仍然搜索 Y"), related and hot
searches, and what to try when nothing was found.

Hit titles and snippets arrive HTML-escaped with ``<mark>`` around matched words; they stay
strings here and become markup only through the template filter ``highlighted``. A hit's URL
is a link only when it is ``http`` or ``https`` (a ``javascript:`` URL pushed by a CMS must
not become a link).
"""

import html
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode, urlsplit

from exchange import search_filters
from exchange.pages import labels
from exchange.pages.filters import (
    DateForm,
    Filter,
    date_filter,
    facet_filters,
    scope_switch,
    sort_switch,
)
from exchange.pages.page_state import KEPT_BY_NEW_QUERY, PageState
from exchange.search_service import Answer
from exchange.services.cards import ServiceCard
from exchange.store.sites import Site
from indexer.search_types import MAX_DEPTH, Hit, SearchRequest

PAGE_LINKS = 9  # numbered page links around the current one


@dataclass
class HitView:
    title: str
    snippet: str
    url: str | None
    site_name: str
    column: str
    doc_type: str
    date: str
    doc_no: str
    missing: list[str] = field(default_factory=list)
    # The same title published by other sites, folded under this one.
    similar: list["Link"] = field(default_factory=list)
    similar_count: int = 0
    pinned: bool = False  # an operator's best bet for the query (推荐结果)


@dataclass
class ServiceCardView:
    """搜索即服务: the searching site's guide to the service, its key lines, and the same
    service's guides of other places folded under 其他地区 (N)."""

    title: str
    url: str | None
    site_name: str
    lines: list[tuple[str, str]]
    others: list["Link"]


@dataclass
class PageLink:
    label: str
    href: str
    current: bool = False
    rel: str = ""


@dataclass
class Link:
    text: str
    href: str


@dataclass
class CorrectionView:
    """Applied: 以下是 X 的结果 / 仍然搜索 Y. Not applied: 您是不是要找 X."""

    searched: Link
    typed: Link
    applied: bool = True


@dataclass
class ResultsView:
    """Everything the template shows; ``error`` set means the query string was refused."""

    query: str
    heading: str
    home_href: str
    big: bool
    big_href: str
    form_hidden: list[tuple[str, str]]
    scope_label: str = ""
    # The scope and the filters in force, named in the results summary: on a phone a chosen
    # value may be scrolled out of sight in its row.
    in_force: list[str] = field(default_factory=list)
    scopes: Filter | None = None
    filters: list[Filter] = field(default_factory=list)
    dates: Filter | None = None
    date_form: DateForm | None = None
    sort: Filter | None = None
    total: int = 0
    first: int = 1
    hits: list[HitView] = field(default_factory=list)
    service: ServiceCardView | None = None
    pages: list[PageLink] = field(default_factory=list)
    correction: CorrectionView | None = None
    # The official terms also searched for everyday words (已为您匹配「生育登记」).
    matched: list[str] = field(default_factory=list)
    related: list[Link] = field(default_factory=list)
    hot: list[Link] = field(default_factory=list)
    widen: Link | None = None
    unfilter: Link | None = None
    error: str = ""
    opensearch_href: str = "opensearch.xml"


def page_frame(state: PageState, sites: dict[str, Site], big: bool) -> ResultsView:
    """The parts every results page has: heading, search box, text size switch."""
    anchor = sites.get(state.get("site"))
    heading = f"{anchor.name} 站内搜索" if anchor else "政府网站集群搜索"
    opensearch = "opensearch.xml"
    if anchor:
        opensearch += "?" + urlencode({"site": anchor.code, "scope": state.get("scope") or "site"})
    return ResultsView(
        query=state.get("q"),
        heading=heading,
        home_href=PageState(dict(state.hidden(KEPT_BY_NEW_QUERY))).href(),
        big=big,
        big_href=state.href({"big": "0" if big else "1", "page": state.get("page")}),
        form_hidden=state.hidden(KEPT_BY_NEW_QUERY),
        scope_label=labels.SCOPES.get(state.get("scope") or ("site" if anchor else "cluster"), ""),
        opensearch_href=opensearch,
    )


def results_view(
    view: ResultsView,
    state: PageState,
    request: SearchRequest,
    answer: Answer,
    sites: dict[str, Site],
    today: date,
) -> None:
    """Fill ``view`` (from :func:`page_frame`) with one search's answer."""
    result = answer.result
    view.scopes = scope_switch(state, sites)
    view.filters = facet_filters(state, result.facets, sites)
    view.dates, view.date_form = date_filter(state, result.facets.get("year", {}), today)
    view.sort = sort_switch(state)
    view.in_force = [view.scope_label, *_chosen(view)]
    view.total = result.total
    view.first = (request.page - 1) * request.page_size + 1
    view.hits = [_hit(hit, hit.key in answer.pinned) for hit in result.hits]
    if answer.service is not None:
        view.service = _card(answer.service)
    view.pages = _pages(state, request.page, request.page_size, result.total)
    if result.correction is not None:
        searched = result.correction.query
        typed = result.correction.original
        view.correction = CorrectionView(
            Link(searched, state.href({"q": searched, "exact": None})),
            Link(typed, state.href({"q": typed, "exact": "1"})),
            result.correction.applied,
        )
    view.matched = result.matched
    view.related = [_query_link(state, text) for text in answer.related]
    view.hot = [_query_link(state, text) for text, _count in answer.hot]
    if result.total == 0:
        if (state.get("scope") or "site") != "cluster" and state.get("site"):
            view.widen = Link("在整个站群中搜索", state.href({"scope": "cluster", "source": None}))
        if state.filtered:
            cleared = {name: None for name in ("source", *search_filters.NAMES)}
            view.unfilter = Link("清除筛选条件", state.href({**cleared, "from": None, "to": None}))


def _chosen(view: ResultsView) -> list[str]:
    """The labels of the filter values chosen (not 全部 / 不限), and a custom date range."""
    chosen = [
        option.label
        for group in [*view.filters, view.dates]
        for option in group.options[1:]
        if option.selected
    ]
    form = view.date_form
    if form.open and (form.start or form.end):
        chosen.append(f"{form.start or '不限'} 至 {form.end or '今'}")
    return chosen


def _query_link(state: PageState, text: str) -> Link:
    """A search for ``text`` in the same scope, without this search's filters."""
    kept = PageState(dict(state.hidden(KEPT_BY_NEW_QUERY)))
    return Link(text, kept.href({"q": text}))


def _card(card: ServiceCard) -> ServiceCardView:
    return ServiceCardView(
        title=card.item.title,
        url=_web(card.item.url),
        site_name=card.site_name,
        lines=[(line.label, line.text) for line in card.item.lines],
        others=[
            Link(f"{other.site_name}：{other.item.title}", _web(other.item.url) or "")
            for other in card.others
        ],
    )


def _web(url: str) -> str | None:
    return url if urlsplit(url).scheme in ("http", "https") else None


def _plain(title: str) -> str:
    """A highlighted title's text: the template escapes what it shows as plain text."""
    return html.unescape(title.replace("<mark>", "").replace("</mark>", ""))


def _hit(hit: Hit, pinned: bool = False) -> HitView:
    url = _web(hit.url)
    return HitView(
        title=hit.title,
        snippet=hit.snippet,
        url=url,
        site_name=hit.site_name,
        column=hit.column,
        # Columns are often named for the doc type (互动交流/咨询回复): say it once.
        doc_type="" if hit.column.startswith(hit.doc_type) else hit.doc_type,
        date=hit.published.date().isoformat() if hit.published else "",
        doc_no=hit.disclosure.get("doc_no", ""),
        missing=hit.missing,
        similar=[
            Link(f"{other.site_name}：{_plain(other.title)}", _web(other.url) or "")
            for other in hit.similar
        ],
        similar_count=hit.similar_count,
        pinned=pinned,
    )


def _pages(state: PageState, page: int, size: int, total: int) -> list[PageLink]:
    """Previous, a window of numbered pages, next; never past the first 1,000 results."""
    last = min(-(-total // size), MAX_DEPTH // size)
    if last <= 1:
        return []
    start = max(1, min(page - PAGE_LINKS // 2, last - PAGE_LINKS + 1))
    links = []
    if page > 1:
        links.append(PageLink("上一页", state.href({"page": str(page - 1)}), rel="prev"))
    for number in range(start, min(last, start + PAGE_LINKS - 1) + 1):
        links.append(PageLink(str(number), state.href({"page": str(number)}), number == page))
    if page < last:
        links.append(PageLink("下一页", state.href({"page": str(page + 1)}), rel="next"))
    return links
