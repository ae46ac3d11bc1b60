"""Which service card a search shows: the service whose name the query holds best, and of
that service the guide of the searching site, else of its nearest ancestor, else of the city
level; the same service's guides of other places folded under it (其他地区).

Pure functions over the catalogue's items and the site registry; :mod:`exchange.search_service`
calls :func:`choose_card` with the words of the query as the index segments them.
"""

from collections import Counter
from dataclasses import dataclass, field

from exchange.services.catalogue import ServiceItem
from exchange.services.naming import areas_of
from exchange.store.sites import Site
from indexer.analysis.normalize import fold

# Words a citizen adds around a service's name; they may be missing from it.
_FILLER_TEXT = """
办事指南 服务指南 指南 办理 办 流程 办理流程 手续 怎么 怎么办 怎样 如何 哪里 在哪 在哪里 去哪
去哪里 需要 要 什么 哪些 材料 所需 条件 申请 网上 线上 咨询 电话 地址 地点 的 了 吗 呢 我 想
可以 能 能不能 多久 几天 时间 报名 是否 可不可以 需不需要 要不要 关于 有关 相关 和 及 与
"""
FILLERS = frozenset(_FILLER_TEXT.split())
# The share of a service's name the query's words must make up: for the only service that
# holds them all (危房 改造 → 农村危房改造补助申请, 4/10), for the only one holding all but
# one (初中 转学 → 义务教育阶段转学办理), and for the best of several (公积金 fits 提取, 贷款 and
# 转移: no card; 公积金提取 fits one).
MIN_COVERAGE = 0.2
MIN_PARTIAL_COVERAGE = 0.2
# One word alone must say most of the name (社保卡 → 社会保障卡申领, 居住证 → 居住证申领), not
# a topic word a name starts with (义务教育 → 义务教育阶段转学办理, 野外 → 野外用火审批) —
# unless it is the name's own matter (离婚 of 内地居民离婚登记) or the name does the query's
# verb (失业 怎么 领 → 失业保险金申领).
ONE_WORD_COVERAGE = 0.5
AMBIGUOUS_COVERAGE = 0.75
AMBIGUOUS_MARGIN = 0.25
# Two names of one service: the shorter's characters in order in the longer, and this share.
FAMILY_SHARE = 0.7
# What a name ends in that says what is done, not to what: a word that ends where these begin
# is the name's own matter (离婚 of 内地居民离婚登记, 转学 of 义务教育阶段转学办理, 危房改造 of
# 农村危房改造补助申请), not a topic word it starts with (义务教育, 野外).
GENERIC_ENDS = (
    "办理", "申请", "申领", "登记", "认定", "备案", "审批", "核发", "许可证", "许可", "补助",
    "补贴", "申报", "手续", "服务", "换证", "换领", "换发", "补发", "补领", "补办", "领用",
    "领取", "提取", "变更", "注销", "设立", "转移接续", "转移", "接续", "参保", "缴费",
    "待遇", "预约",
)  # fmt: skip
# A verb of one character a citizen says (怎么交, 怎么转, 领), and what names write for it (not
# the character alone: 补 of 补贴, 报 of 申报, 查 of 审查 are other verbs):
# the service that does what the query asks wins over one that only shares its object
# (养老保险 怎么 转: 基本养老保险关系转移接续, not 城乡居民基本养老保险参保登记).
ACTIONS = {
    "交": ("缴纳", "缴费", "缴存", "参保", "补缴", "缴"),
    "缴": ("缴纳", "缴费", "缴存", "参保", "补缴", "缴"),
    "转": ("转移", "转入", "转出", "转学"),
    "迁": ("迁移", "迁入", "迁出"),
    "领": ("申领", "领取", "领用", "补领", "换领"),
    "取": ("提取", "领取"),
    "提": ("提取",),
    "补": ("补发", "补领", "补办", "补缴"),
    "换": ("换证", "换领", "换发"),
    "查": ("查询",),
    "报": ("报销",),
    "开": ("开办", "设立"),
}


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
    """The card for a query said in ``wordings`` (alternative word lists: as typed first,
    then with synonyms …) made from the site ``anchor`` (None: the whole cluster).

    A service is a candidate when its name holds every word of a wording (fillers such as
    怎么 and place names aside) or, for two words or more, all but one; its coverage is the
    share of its name those words make up. The card is the best candidate if it is the only
    one holding every word (or, none doing so, the only one holding all but one) with enough
    coverage, or the only one doing the query's verb (怎么 转: 转移), or if it names the query
    clearly better than every other candidate. One word alone must make up half the name,
    unless it is the name's own matter (see :data:`GENERIC_ENDS`) or the name does the
    query's verb. An office's name (教育体育局) is no word of the query.
    """
    by_name, offered, places = _prepared(items, sites)
    found: dict[str, Fit] = {}
    hinted: list[str] = []
    for number, words in enumerate(wordings):
        folded = [fold(w) for w in words if w.strip()]
        hinted += [places[w] for w in folded if w in places]
        for name, fit in _fits(offered, folded, places).items():
            # Another wording (a synonym's) brings in services holding all its words, and
            # fits better those the typed words found, but no rival missing one of its words
            # (教师资格证认定 said as 教资 证 认定 would bring 职业技能等级认定).
            # Unless the words as typed fit nothing and the synonym is the name's own matter
            # (办厂 要 做 环评: 环境影响评价 of 建设项目环境影响评价审批; not 召开 新冠肺炎 said as
            # 新冠, a topic word of 新冠病毒疫苗接种预约).
            if number and not fit.complete and name not in found and (found or not fit.core):
                continue
            if name not in found or fit > found[name]:
                found[name] = fit
    family = _families(list(found))
    best: dict[str, Fit] = {}
    for name, fit in found.items():
        if family[name] not in best or fit > best[family[name]]:
            best[family[name]] = fit
    complete = {name: fit for name, fit in best.items() if fit.complete}
    pool = complete or best
    if not pool:
        return None
    ranked = sorted(pool.items(), key=lambda kv: (kv[1], -len(kv[0])), reverse=True)
    name, fit = ranked[0]
    # The only candidate, or the only one doing what the query asks (怎么 转, 领).
    alone = len(ranked) == 1 or fit.acts > ranked[1][1].acts
    if alone and fit.words == 1 and not (fit.core or fit.acts):
        needed = ONE_WORD_COVERAGE
    elif alone:
        needed = MIN_COVERAGE if fit.complete else MIN_PARTIAL_COVERAGE
    else:
        needed = max(AMBIGUOUS_COVERAGE, ranked[1][1].coverage + AMBIGUOUS_MARGIN)
    if fit.coverage < needed:
        return None
    same = [item for other, head in family.items() if head == name for item in by_name[other]]
    return _by_place(same, sites, hinted[0] if hinted else anchor)


def _covered(name: str, words: list[str]) -> float:
    """The share of ``name``'s characters that the words stand on (each place once)."""
    covered = set()
    for word in words:
        start = name.find(word)
        while start >= 0:
            covered.update(range(start, start + len(word)))
            start = name.find(word, start + 1)
    return len(covered) / max(1, len(name))


def _families(names: list[str]) -> dict[str, str]:
    """name → the name of its service: sites name one service differently (城乡居民养老保险
    参保登记, 城乡居民基本养老保险参保登记); a name whose characters all stand in order in a
    longer one and make up most of it is that service, and so is a name followed by a label
    in quotes or brackets (企业开办“一窗通办”).

    >>> family = _families(["城乡居民养老保险参保登记", "城乡居民基本养老保险参保登记", "失业登记"])
    >>> family["城乡居民养老保险参保登记"], family["失业登记"]
    ('城乡居民基本养老保险参保登记', '失业登记')
    >>> _families(["企业开办", "企业开办“一窗通办”"])["企业开办"]
    '企业开办“一窗通办”'
    """
    family: dict[str, str] = {}
    heads: list[str] = []
    for name in sorted(names, key=len, reverse=True):
        head = next((h for h in heads if _variant_of(name, h)), None)
        if head is None:
            heads.append(name)
        family[name] = head or name
    return family


def _variant_of(short: str, long: str) -> bool:
    # The name and a label in quotes or brackets after it (企业开办“一窗通办”).
    if long.startswith(short) and long[len(short) :][:1] in _LABEL_OPENERS:
        return True
    if len(short) < FAMILY_SHARE * len(long):
        return False
    rest = iter(long)
    return all(ch in rest for ch in short)


@dataclass(frozen=True, order=True)
class Fit:
    """How well a query's words fit a service's name (ordered: better is greater)."""

    complete: bool  # every word is in the name (else all but one)
    acts: int  # the query's verbs (交, 转 …) the name does (缴费, 转移 …)
    coverage: float  # the share of the name the words found make up
    offered: int  # how many sites offer it
    words: int = field(default=0, compare=False)  # how many words had to be found
    # A word found ends where the name's generic end begins (离婚 of 内地居民离婚登记).
    core: bool = field(default=False, compare=False)


_LABEL_OPENERS = "“\"'‘「『《〈（(【["

_PREPARED: list = [None, None, None]


def _prepared(items: list[ServiceItem], sites: dict[str, Site]):
    """The items of open sites, how many have each name, and the place names: worked out
    again only when the catalogue or the site registry is another object."""
    seen_items, seen_sites, done = _PREPARED
    if seen_items is not items or seen_sites is not sites:
        by_name: dict[str, list[ServiceItem]] = {}
        for item in items:
            if item.site in sites:
                by_name.setdefault(item.name, []).append(item)
        offered = Counter({name: len(named) for name, named in by_name.items()})
        done = (by_name, offered, _places(sites))
        _PREPARED[:] = [items, sites, done]
    return done


def _fits(offered: Counter[str], words: list[str], places: dict[str, str]) -> dict[str, Fit]:
    """How the words fit each service name (``offered``: name → how many items have it)."""
    # Fillers and single characters (用, 交, 转 …) count where the name has them, and are
    # not required.
    # An office's name (教育体育局, 人社局) says who, not what: not required, but it takes the
    # one word a name may lack (教育体育局 义务教育 招生 names nothing).
    slack = 0 if any(_office(w) for w in words) else 1
    required = list(
        dict.fromkeys(
            w
            for w in words
            if w not in places and w not in FILLERS and len(w) > 1 and not _office(w)
        )
    )
    optional = [w for w in words if w in FILLERS or (len(w) == 1 and w not in places)]
    if not required:
        return {}
    # A verb and a character the segmenter keeps together (领钱, 转到) that no name holds is
    # the verb: 失业 能 领钱 asks for what 失业保险金申领 does.
    verbs = [
        w
        for w in required
        if len(w) == 2 and w[0] in ACTIONS and not any(w in name for name in offered)
    ]
    wanted = [w for w in required if w not in verbs]
    optional += [w[0] for w in verbs]
    if not wanted:
        return {}
    fits = {}
    for name, count in offered.items():
        inside = [w for w in wanted if w in name]
        missing = len(wanted) - len(inside)
        if not inside or missing > slack or (missing == 1 and len(wanted) == 1):
            continue
        done = [_done(name, w) for w in dict.fromkeys(optional) if w in ACTIONS]
        acts = [form for form in done if form]
        coverage = _covered(name, [*inside, *(w for w in optional if w in name), *acts])
        # (A name with no generic end has no own matter apart from it: 举报 of 统计违法行为举报.)
        core = _core(name) != name and any(_core(name).endswith(w) for w in inside)
        fits[name] = Fit(missing == 0, len(acts), round(coverage, 3), count, len(wanted), core)
    return fits


_OFFICES = ("局", "委", "委员会", "办公室", "中心", "厅", "政府")


def _office(word: str) -> bool:
    """Whether a word is the name of an office (医疗保障局, 政务服务中心)."""
    return len(word) >= 3 and word.endswith(_OFFICES)


def _done(name: str, verb: str) -> str:
    """How ``name`` writes the verb (转 → 转移), if it does: its longest form in the name."""
    return next((form for form in ACTIONS[verb] if form in name), "")


def _core(name: str) -> str:
    """The name without its generic ends (内地居民离婚登记 → 内地居民离婚, 农村危房改造补助申请
    → 农村危房改造)."""
    changed = True
    while changed:
        changed = False
        for end in GENERIC_ENDS:
            if name.endswith(end) and len(name) > len(end):
                name = name[: -len(end)]
                changed = True
    return name


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
