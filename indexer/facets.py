"""Exact totals and facet counts over every match, without scoring them.

Whoosh's ``groupedby`` makes the collector score and collect every matching record; for a
common word that is most of the search time. Counting instead takes the set of records the
query matches in each segment (:func:`indexer.matchsets.matching_docs`, no scores, no matcher
walk), and reads the facets from per-segment column values. A record's facet values come
in few combinations (a site has one tier; a few doc types, a few years), so each record is
given the number of its combination, and a search counts combinations — one lookup a match
instead of one per facet — and spreads their counts over the facets afterwards. A segment's
columns never change (a deletion only hides documents from matchers), so these lists are
kept by segment id and survive the indexer's commits.
"""

import threading
from collections import Counter, OrderedDict

from whoosh.searching import Searcher

Combinations = tuple[list[int], list[tuple[str, ...]]]
"""Per document of a segment, the number of its facet values; per number, those values."""

# More than an index ever has live at once (Whoosh merges small segments as it commits).
MAX_SEGMENTS = 256


class FacetCounter:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self._combinations: OrderedDict[str, Combinations] = OrderedDict()
        self._lock = threading.Lock()

    def count(
        self, searcher: Searcher, matches: list[set[int]], facets: bool
    ) -> tuple[int, dict[str, Counter]]:
        """How many records match, and per facet field how many have each value;
        ``matches`` holds the matching document numbers of each leaf searcher, in order
        (:func:`indexer.matchsets.matching_docs`)."""
        total = 0
        counts = {name: Counter() for name in self.fields} if facets else {}
        for (leaf, _offset), ids in zip(searcher.leaf_searchers(), matches, strict=True):
            total += len(ids)
            if facets and ids:
                codes, combinations = self._segment_combinations(leaf.reader())
                counters = [counts[name] for name in self.fields]
                for code, n in Counter(map(codes.__getitem__, ids)).items():
                    for counter, value in zip(counters, combinations[code], strict=True):
                        counter[value] += n
        for counter in counts.values():
            counter.pop("", None)
        return total, counts

    def _segment_combinations(self, reader) -> "Combinations":
        segment = reader.segment().segment_id()
        with self._lock:
            found = self._combinations.get(segment)
            if found is None:
                found = self._combine(reader)
                self._combinations[segment] = found
                while len(self._combinations) > MAX_SEGMENTS:
                    self._combinations.popitem(last=False)
            self._combinations.move_to_end(segment)
            return found

    def _combine(self, reader) -> "Combinations":
        """Each document's combination number, and the facet values of each number."""
        columns = [list(reader.column_reader(name)) for name in self.fields]
        numbers: dict[tuple[str, ...], int] = {}
        codes = [numbers.setdefault(values, len(numbers)) for values in zip(*columns, strict=True)]
        return codes, list(numbers)
