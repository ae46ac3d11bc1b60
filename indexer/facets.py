"""Exact totals and facet counts over every match, without scoring them.

Whoosh's ``groupedby`` makes the collector score and collect every matching record; for a
common word that is most of the search time. Counting instead walks the query's matcher
(no scores) segment by segment, and reads each facet from a per-segment list of column
values. A segment's columns never change (a deletion only hides documents from matchers),
so the lists are kept by segment id and survive the indexer's commits.
"""

import threading
from collections import Counter, OrderedDict

from whoosh import query as q
from whoosh.searching import Searcher

# More than an index ever has live at once (Whoosh merges small segments as it commits).
MAX_SEGMENTS = 256


class FacetCounter:
    def __init__(self, fields: tuple[str, ...]) -> None:
        self.fields = fields
        self._columns: OrderedDict[str, dict[str, list]] = OrderedDict()
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
        segment = reader.segment().segment_id()
        with self._lock:
            columns = self._columns.get(segment)
            if columns is None:
                columns = {name: list(reader.column_reader(name)) for name in self.fields}
                self._columns[segment] = columns
                while len(self._columns) > MAX_SEGMENTS:
                    self._columns.popitem(last=False)
            self._columns.move_to_end(segment)
            return columns
