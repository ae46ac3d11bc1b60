"""Look-alike results folded: the same title published by several sites of a cluster (each
county's 办事指南 of one service, one notice forwarded by every township) is one result, at the
rank of its best copy, showing the copy of the site nearest the searcher, the others under it.

Keys are read from the titles the ranking already holds, before any highlighting, so a page
still has its full number of results and the pages stay consistent with each other.

>>> places = ("施甸县", "龙陵县")
>>> look_alike_key("龙陵县召开森林防火工作推进会", places)
'召开森林防火工作推进会'
>>> scored = [(3.0, 10), (2.0, 11), (1.0, 12)]
>>> titles = {10: "施甸县森林防火工作推进会召开", 11: "人口普查公报",
...           12: "龙陵县森林防火工作推进会召开"}
>>> sites = {10: "a", 11: "a", 12: "b"}
>>> collapse(scored, titles.get, sites.get, places, near=("b",))
[(3.0, 12, [10]), (2.0, 11, [])]
"""

import re
from collections.abc import Callable, Sequence

from indexer.analysis.normalize import fold

# Shorter keys say too little to call two titles the same (通知, 公告).
MIN_KEY_CHARS = 6
_EDITION = re.compile(r"[（(]\d{4}年?版?[）)]")
_NOT_WORD = re.compile(r"[\s\W_]+")


def look_alike_key(title: str, places: Sequence[str]) -> str:
    """What is left of a title without the cluster's place names (longest first), editions
    and punctuation: titles with the same key say the same thing for different places."""
    text = fold(title)
    for place in places:
        if place in text:
            text = text.replace(place, "")
    return _NOT_WORD.sub("", _EDITION.sub("", text))


def collapse(
    scored: Sequence[tuple[float, int]],
    title_of: Callable[[int], str],
    site_of: Callable[[int], str],
    places: Sequence[str],
    near: Sequence[str] = (),
) -> list[tuple[float, int, list[int]]]:
    """``scored`` (score, docnum) in order, as (score, shown docnum, folded docnums): the
    first copy of a title of several sites keeps its rank; the copy shown is the one of the
    site earliest in ``near`` (the searching site, then its ancestors), else the first."""
    ordered = sorted(places, key=len, reverse=True)
    groups: list[tuple[float, list[int]]] = []
    group_sites: list[set[str]] = []
    by_key: dict[str, int] = {}
    site: dict[int, str] = {}  # each record's site, read once
    for score, docnum in scored:
        key = look_alike_key(title_of(docnum) or "", ordered)
        site[docnum] = here = site_of(docnum)
        at = by_key.get(key) if len(key) >= MIN_KEY_CHARS else None
        if at is not None and here not in group_sites[at]:
            groups[at][1].append(docnum)
            group_sites[at].add(here)
            continue
        if len(key) >= MIN_KEY_CHARS and at is None:
            by_key[key] = len(groups)
        groups.append((score, [docnum]))
        group_sites.append({here})
    rank = {name: i for i, name in enumerate(near)}
    out = []
    for score, members in groups:
        first = min(range(len(members)), key=lambda i: (rank.get(site[members[i]], len(rank)), i))
        out.append((score, members[first], members[:first] + members[first + 1 :]))
    return out
