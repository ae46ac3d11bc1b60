"""Which service card a search shows: the service whose name the query holds best, and of
that service the guide of the searching site, else of its nearest ancestor, else of the city
level; the same service's guides of other places folded under it (其他地区).

Pure functions over the catalogue's items and the site registry; :mod:`exchange.search_service`
calls :func:`choose_card` with the words of the query as the index segments them.
"""

from dataclasses import dataclass, field

from exchange.services.catalogue import ServiceItem
from exchange.services.naming import areas_of
from exchange.store.sites import Site
from indexer.analysis.normalize import fold

# Words a citizen adds around a service's name; they may be missing from it.
_FILLER_TEXT = """
办事指南 服务指南 指南 办理 办 流程 办理流程 手续 怎么 怎么办 怎样 如何 哪里 在哪 在哪里 去哪
去哪里 需要 要 什么 哪些 材料 所需 条件 申请 网上 线上 咨询 电话 地址 地点 的 了 吗 呢 我 想
可以 能 能不能 多久 几天 时间
"""
FILLERS = frozenset(_FILLER_TEXT.split())
# A card is shown only when the query's words cover at least this share of the name:
# 公积金提取 → 住房公积金提取 (5/7), not 公积金 alone (3/7 — three services fit it).
MIN_COVERAGE = 0.5
AMBIGUOUS_COVERAGE = 0.75
AMBIGUOUS_MARGIN = 0.25


@dataclass(frozen=True)
class Other:
    item: ServiceItem
    site_name: str


@dataclass
class ServiceCard:
    item: ServiceItem
    site_name: str
    # The searching site's own guide or its nearest ancestor's (else the closest one found).
    local: bool
    others: list[Other] = field(default_factory=list)


def choose_card(
    items: list[ServiceItem],
    wordings: list[list[str]],
    sites: dict[str, Site],
    anchor: str | None,
) -> ServiceCard | None:
    """The card for a query said in ``wordings`` (alternative word lists: as typed, with
    official terms matched …) made from the site ``anchor`` (None: the whole cluster)."""
    places = _places(sites)
    best: tuple[float, int, int] | None = None
    chosen = ""
    for words in wordings:
        folded = [fold(w) for w in words if w.strip()]
        hinted = [places[w] for w in folded if w in places]
        found = _names(items, folded, places)
        for name, (coverage, offered) in found.items():
            rank = (coverage, offered, -len(name))
            if coverage >= _needed(name, found) and (best is None or rank > best):
                best, chosen = rank, name
                if hinted:
                    anchor = hinted[0]
    if best is None:
        return None
    same = [item for item in items if item.name == chosen and item.site in sites]
    return _by_place(same, sites, anchor)


def _names(
    items: list[ServiceItem], words: list[str], places: dict[str, str]
) -> dict[str, tuple[float, int]]:
    """Every service whose name holds all the query's words (fillers and places aside): its
    coverage by them and how many sites offer it."""
    required = [w for w in words if w not in places and w not in FILLERS]
    optional = [w for w in words if w in FILLERS]
    if not required:
        return {}
    offered: dict[str, int] = {}
    for item in items:
        if all(w in item.name for w in required):
            offered[item.name] = offered.get(item.name, 0) + 1
    found = {}
    for name, count in offered.items():
        covered = sum(len(w) for w in set(required) | {w for w in optional if w in name})
        found[name] = (min(1.0, covered / max(1, len(name))), count)
    return found


def _needed(name: str, found: dict[str, tuple[float, int]]) -> float:
    """The coverage a name needs: :data:`MIN_COVERAGE` when it is the only service the words
    fit; when several fit (公积金: 提取, 贷款, 转移), the query must name this one clearly."""
    if len(found) == 1:
        return MIN_COVERAGE
    second = max(coverage for other, (coverage, _) in found.items() if other != name)
    return max(AMBIGUOUS_COVERAGE, second + AMBIGUOUS_MARGIN)


def _by_place(same: list[ServiceItem], sites: dict[str, Site], anchor: str | None) -> ServiceCard:
    chain = _ancestry(anchor, sites) if anchor in sites else []

    def place(item: ServiceItem) -> tuple:
        distance = _distance(item.site, chain, sites)
        newest = -(item.published.timestamp() if item.published else 0)
        if distance is None:
            return (1, _depth(item.site, sites), newest, item.site)
        return (0, distance, newest, item.site)

    ordered = sorted(same, key=place)
    first = ordered[0]
    card = ServiceCard(first, sites[first.site].name, place(first)[0] == 0 and bool(chain))
    if not chain:
        card.local = _depth(first.site, sites) < 1
    seen = {first.site}
    for item in sorted(ordered[1:], key=lambda i: (_depth(i.site, sites), i.site)):
        if item.site not in seen:
            seen.add(item.site)
            card.others.append(Other(item, sites[item.site].name))
    return card


def nearest_first(anchor: str | None, sites: dict[str, Site]) -> tuple[str, ...]:
    """The sites whose copy of a look-alike title a search from ``anchor`` shows first: the
    site itself, then each ancestor followed by that government's departments."""
    chain = _ancestry(anchor, sites) if anchor in sites else []
    return tuple(sorted(
        (code for code in sites if _distance(code, chain, sites) is not None),
        key=lambda code: (_distance(code, chain, sites), code),
    ))  # fmt: skip


def _ancestry(code: str, sites: dict[str, Site]) -> list[str]:
    chain: list[str] = []
    while code in sites and code not in chain:
        chain.append(code)
        code = sites[code].parent
    return chain


def _distance(site: str, chain: list[str], sites: dict[str, Site]) -> float | None:
    """How far up from the searching site ``site`` is: 0 itself, 1 its parent …; a department
    counts as the level of the government it belongs to (市医保局 as 保山市, a half step on)."""
    if site in chain:
        return chain.index(site)
    parent = sites[site].parent if site in sites else None
    if sites.get(site) and sites[site].tier == "department" and parent in chain:
        return chain.index(parent) + 0.5
    return None


def _depth(site: str, sites: dict[str, Site]) -> float:
    """0 for the top of the tree, 1 below it …; a department a half step below its
    government."""
    depth = len(_ancestry(site, sites)) - 1
    return depth - 0.5 if sites[site].tier == "department" else depth


def _places(sites: dict[str, Site]) -> dict[str, str]:
    """Place names a query may carry (腾冲, 腾冲市, 甸阳镇) → the portal of that place."""
    places: dict[str, str] = {}
    for code, site in sites.items():
        if site.tier == "department" or site.state != "open":
            continue
        areas = areas_of(site.name)
        if not areas:
            continue
        own = areas[-1] if len(areas) > 1 else areas[0]
        places.setdefault(own, code)
        if len(own) > 2:
            places.setdefault(own[:-1], code)
    return places
