"""Exact totals and facet counts over every match, without scoring them.

Whoosh's ``groupedby`` makes the collector score and collect every matching record; for a
common word that is most of the search time. Counting instead walks the query's matcher
(no scores) segment by segment, and reads each facet from a per-segment list of column
values built once per segment and reused across refreshes (Whoosh keeps the reader of a
segment a commit did not change).
"""

import threading
import weakref
from collections import Counter

from whoosh import query as q
from whoosh.searching import Searcher


class FacetCounter:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self._columns: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._lock = threading.Lock()

    def count(
        self, searcher: Searcher, query: q.Query, facets: bool
    ) -> tuple[int, dict[str, Counter]]:
        """How many records match, and per facet field how many have each value."""
        total = 0
        counts = {name: Counter() for name in self.fields} if facets else {}
        for leaf, _offset in searcher.leaf_searchers():
            matcher = query.matcher(leaf)
            if not matcher.is_active():
                continue
            ids = list(matcher.all_ids())
            total += len(ids)
            if facets:
                columns = self._segment_columns(leaf.reader())
                for name in self.fields:
                    values = columns[name]
                    counts[name].update(values[i] for i in ids)
        for counter in counts.values():
            counter.pop("", None)
        return total, counts

    def _segment_columns(self, reader) -> dict[str, list]:
        with self._lock:
            columns = self._columns.get(reader)
            if columns is None:
                columns = {name: list(reader.column_reader(name)) for name in self.fields}
                self._columns[reader] = columns
            return columns
