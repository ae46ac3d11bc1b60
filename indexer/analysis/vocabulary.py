"""Words the cluster itself contributes to the dictionary: its sites, places and departments.

>>> sorted(cluster_words(["施甸县人民政府", "甸阳镇"]))
['施甸', '施甸县', '施甸县人民政府', '甸阳', '甸阳镇']
>>> sorted(cluster_words(["保山市发展和改革委员会"]))
['保山', '保山市', '保山市发展和改革委员会', '发展和改革委员会']
"""

from collections.abc import Iterable

_GOVERNMENT_SUFFIXES = ("人民政府办公室", "人民政府", "政府")
_PLACE_SUFFIXES = ("自治州", "自治县", "省", "市", "州", "县", "区", "镇", "乡", "街道")
_CITY_PREFIX_SUFFIXES = ("市", "州", "县", "区")


def cluster_words(names: Iterable[str]) -> set[str]:
    """Whole names, place names without 人民政府, and place stems without 县/镇/乡 …."""
    words: set[str] = set()
    for name in names:
        name = name.strip()
        if not name:
            continue
        words.add(name)
        place = _strip_suffix(name, _GOVERNMENT_SUFFIXES)
        department = _department(name)
        if department:
            place, words_added = department
            words.update(words_added)
        words.add(place)
        stem = _strip_suffix(place, _PLACE_SUFFIXES)
        if len(stem) >= 2:
            words.add(stem)
    return {w for w in words if len(w) >= 2}


def _strip_suffix(name: str, suffixes: tuple[str, ...]) -> str:
    for suffix in suffixes:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def _department(name: str) -> tuple[str, set[str]] | None:
    """保山市发展和改革委员会 → place 保山市, words {发展和改革委员会}."""
    for marker in _CITY_PREFIX_SUFFIXES:
        head, sep, tail = name.partition(marker)
        if sep and len(head) >= 2 and len(tail) >= 2 and tail not in _GOVERNMENT_SUFFIXES:
            return head + sep, {tail}
    return None
