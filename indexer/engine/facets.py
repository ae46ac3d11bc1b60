"""Exact totals and facet counts over every match, without scoring them.

Whoosh's ``groupedby`` makes the collector score and collect every matching record; for a
common word that is most of the search time. Counting instead takes the set of records the
query matches in each segment (:func:`indexer.engine.matchsets.matching_docs`, no scores, no matcher
walk), and reads the facets from per-segment column values. A record's facet values come
in few combinations (a site has one tier; a few doc types, a few years), so each record is
given the number of its combination, and a search counts combinations — one lookup a match
instead of one per facet — and spreads their counts over the facets afterwards. A segment's
columns never change (a deletion only hides documents from matchers), so these lists are
kept by segment id and survive the indexer's commits.
"""

import threading
from collections import Counter, OrderedDict

import numpy as np
from whoosh.searching import Searcher

from indexer.engine.matchsets import doc_ids

Combinations = tuple[np.ndarray, list[np.ndarray]]
"""Per document of a segment, the number of its facet values; per facet field and number,
the field's value (as its index in the counter's list of that field's values)."""

# More than an index ever has live at once (Whoosh merges small segments as it commits).
MAX_SEGMENTS = 256


class FacetCounter:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self._combinations: OrderedDict[str, Combinations] = OrderedDict()
        # Every value met per field, in the order met: a value's index is its number.
        self._values: dict[str, dict[str, int]] = {name: {} for name in fields}
        self._lock = threading.Lock()

    def count(self, searcher: Searcher, matches: list, facets: bool) -> tuple[int, dict]:
        """How many records match, and per facet field how many have each value (a
        ``Counter``); ``matches`` holds the matching document numbers of each leaf searcher,
        in order (:func:`indexer.engine.matchsets.matching_docs`)."""
        total = 0
        found = []
        for (leaf, _offset), ids in zip(searcher.leaf_searchers(), matches, strict=True):
            total += len(ids)
            if facets and ids:
                codes, values = self._segment_combinations(leaf.reader())
                found.append((np.bincount(codes[doc_ids(ids)], minlength=len(values[0])), values))
        if not facets:
            return total, {}
        with self._lock:
            names = {name: list(self._values[name]) for name in self.fields}
        counts = {}
        for i, name in enumerate(self.fields):
            per_value = np.zeros(len(names[name]), dtype=np.int64)
            for per_code, values in found:
                np.add.at(per_value, values[i], per_code)
            counts[name] = Counter(
                {names[name][v]: int(per_value[v]) for v in np.flatnonzero(per_value).tolist()}
            )
            counts[name].pop("", None)
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
        """Each document's combination number, and the facet values of each number (called
        under the lock: it numbers values met for the first time)."""
        columns = [list(reader.column_reader(name)) for name in self.fields]
        numbers: dict[tuple[str, ...], int] = {}
        codes = [numbers.setdefault(values, len(numbers)) for values in zip(*columns, strict=True)]
        values = []
        for i, name in enumerate(self.fields):
            known = self._values[name]
            values.append(
                np.array([known.setdefault(c[i], len(known)) for c in numbers], dtype=np.int64)
            )
        return np.array(codes, dtype=np.int64), values
