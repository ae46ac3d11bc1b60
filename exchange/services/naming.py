"""Names read off titles: the places a site's name starts with, and the service a guide's
title names.

>>> areas_of("施甸县甸阳镇人民政府")
['施甸县', '施甸县甸阳镇', '甸阳镇']
>>> areas_of("保山市住房公积金管理中心")
['保山市']
>>> service_name("施甸县住房公积金提取办事指南", ["施甸县", "保山市"])
'住房公积金提取'
>>> service_name("农产品地理标志使用申请服务指南（2024年版）", [])
'农产品地理标志使用申请'
"""

import re

from indexer.analysis.normalize import fold

# Place names end in one of these (县, 区, 镇 …) and are 2 to 6 characters long.
_PLACE_END = "省市州盟县区旗镇乡"
_PLACE = re.compile(rf"[^{_PLACE_END}]{{1,5}}(?:[{_PLACE_END}]|街道)")
_SUFFIXES = re.compile(
    r"(?:[（(]\d{4}年?版?[）)])?$|(?:办事指南|服务指南|办理指南|操作指南|办事流程|办理流程|指南)$"
)


def areas_of(site_name: str) -> list[str]:
    """The place names a site's name starts with: each run of places from its start, and
    each place after the first on its own."""
    places = []
    position = 0
    while True:
        found = _PLACE.match(site_name, position)
        if not found or found.end() == len(site_name):
            break
        places.append(found.group())
        position = found.end()
        if len(places) == 3:
            break
    areas = ["".join(places[: i + 1]) for i in range(len(places))]
    return list(dict.fromkeys(areas + places[1:]))


def strip_areas(title: str, areas: list[str]) -> str:
    """``title`` without the place names it starts with (longest first, repeatedly)."""
    ordered = sorted(set(areas), key=len, reverse=True)
    changed = True
    while changed:
        changed = False
        for area in ordered:
            if title.startswith(area) and len(title) > len(area):
                title = title[len(area) :]
                changed = True
                break
    return title


def service_name(title: str, areas: list[str]) -> str:
    """The service a guide's title names: no leading place, no 办事指南 or edition after it."""
    name = strip_areas(fold(title).strip(), areas)
    for _ in range(2):
        name = _SUFFIXES.sub("", name).strip()
    return name


_PLACES: tuple[object, tuple[str, ...]] = (None, ())


def cluster_places(sites: dict) -> tuple[str, ...]:
    """Every place name the cluster's sites start with (its counties, townships …), longest
    first; worked out again only when the site registry is read again."""
    global _PLACES
    seen, places = _PLACES
    if seen is not sites:
        names = {area for site in sites.values() for area in areas_of(site.name)}
        places = tuple(sorted(names, key=lambda name: (-len(name), name)))
        _PLACES = (sites, places)
    return places
