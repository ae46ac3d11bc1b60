"""The choices around the results: scope switch (本站 / 本站及下级网站 / 整个站群), filters by
tier, source site, doc type and date, and sort — each a list of links with the record counts
the search's facets give, the current choice marked.

A filter group with a single value and nothing chosen is left out: it would offer no choice.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta

from exchange.pages import labels
from exchange.pages.page_state import PageState
from exchange.search_filters import FILTERS
from exchange.store.sites import Site

# The source-site list can be long in a province's cluster; the most frequent come first.
MAX_SOURCES = 30
DATE_PRESETS = (("一周内", 7), ("一月内", 30), ("一年内", 365))


@dataclass
class Option:
    label: str
    href: str
    selected: bool = False
    count: int | None = None


@dataclass
class Filter:
    """One group of choices; ``name`` is its query parameter."""

    name: str
    label: str
    options: list[Option] = field(default_factory=list)
    collapsed: bool = False


@dataclass
class DateForm:
    """The custom date range: a GET form with two date fields and the rest of the state."""

    start: str
    end: str
    hidden: list[tuple[str, str]]
    open: bool


def scope_switch(state: PageState, sites: dict[str, Site]) -> Filter | None:
    """This site / its branch / the whole cluster, when the search is made from a site."""
    anchor = sites.get(state.get("site"))
    if anchor is None:
        return None
    current = state.get("scope") or "site"
    scopes = ["site"]
    if any(site.parent == anchor.code for site in sites.values()):
        scopes.append("branch")
    if current == "tier":
        scopes.append("tier")
    scopes.append("cluster")
    switch = Filter("scope", "范围")
    for scope in scopes:
        href = state.href({"scope": scope, "source": None})
        switch.options.append(Option(labels.SCOPES[scope], href, scope == current))
    return switch


def facet_filters(
    state: PageState, facets: dict[str, dict[str, int]], sites: dict[str, Site]
) -> list[Filter]:
    groups = [
        _facet(state, spec.name, spec.label, facets.get(spec.index_field, {}), spec.label_of)
        for spec in FILTERS
        if spec.label
    ]
    groups.append(_sources(state, facets.get("site", {}), sites))
    return [group for group in groups if group is not None]


def _facet(state, name, label, counts: dict[str, int], name_of) -> Filter | None:
    chosen = state.get(name)
    if len(counts) < 2 and not chosen:
        return None
    group = Filter(name, label, [Option("全部", state.href({name: None}), not chosen)])
    for value, count in counts.items():
        group.options.append(
            Option(name_of(value) or value, state.href({name: value}), value == chosen, count)
        )
    return group


def _sources(state: PageState, counts: dict[str, int], sites: dict[str, Site]) -> Filter | None:
    chosen = state.get("source")
    shown = dict(list(counts.items())[:MAX_SOURCES])
    if chosen and chosen not in shown:
        shown[chosen] = counts.get(chosen, 0)
    group = _facet(state, "source", "来源网站", shown, lambda code: _site_name(code, sites))
    if group is not None:
        group.collapsed = not chosen
    return group


def _site_name(code: str, sites: dict[str, Site]) -> str:
    return sites[code].name if code in sites else code


def date_filter(state: PageState, years: dict[str, int], today: date) -> tuple[Filter, DateForm]:
    """Any time, the last week / month / year, a year the results have, or a custom range."""
    start, end = state.get("from"), state.get("to")
    matched = not start and not end
    group = Filter(
        "date", "时间", [Option("不限", state.href({"from": None, "to": None}), matched)]
    )
    for label, days in DATE_PRESETS:
        since = (today - timedelta(days=days)).isoformat()
        selected = start == since and not end
        matched = matched or selected
        group.options.append(Option(label, state.href({"from": since, "to": None}), selected))
    for year in sorted((y for y in years if y), reverse=True):
        first, last = f"{year}-01-01", f"{year}-12-31"
        selected = start == first and end == last
        matched = matched or selected
        href = state.href({"from": first, "to": last})
        group.options.append(Option(f"{year}年", href, selected, years[year]))
    kept = tuple(name for name in state.params if name not in ("from", "to", "page"))
    form = DateForm(start, end, state.hidden(kept), open=not matched)
    return group, form


def sort_switch(state: PageState) -> Filter | None:
    """Relevance or newest first; an empty query is always newest first."""
    if not state.get("q"):
        return None
    current = state.get("sort") or "relevance"
    switch = Filter("sort", "排序")
    for sort, label in labels.SORTS.items():
        href = state.href({"sort": None if sort == "relevance" else sort})
        switch.options.append(Option(label, href, sort == current))
    return switch
