"""Decoded postings of the terms searches use, per segment, kept between searches.

Reading a term's postings from a segment means, for each block of them, unpickling it
(positions included, which ranking never needs), decompressing it and delta-decoding the
document numbers in Python: for the common words of a query at 100,000 records that was
most of the time left in a search. The document numbers and weights are all that counting
(:mod:`indexer.matchsets`) and ranking (:mod:`indexer.ranking`) need, so they are decoded
once into two compact arrays (12 bytes a posting) and kept, most recently used first, up to
``budget`` postings. A segment's postings never change (a deletion only hides documents, and
is applied by whoever reads these), so they are kept by segment id across views and
commits.
"""

import threading
from array import array
from collections import OrderedDict

from whoosh.codec.whoosh3 import W3LeafMatcher

# About 36 MB of arrays per process: the postings of the few hundred commonest words.
POSTINGS_BUDGET = 3_000_000

# Segments × range-filtered fields: more than an index has live at once.
MAX_COLUMNS = 256

Postings = tuple[array, array]
"""Document numbers (``array('I')``) and their weights (``array('d')``), in order."""


class PostingCache:
    def __init__(self, budget: int = POSTINGS_BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[tuple, Postings] = OrderedDict()
        self._size = 0
        self._columns: OrderedDict[tuple[str, str], list] = OrderedDict()
        self._lock = threading.Lock()

    def retain(self, segments: set[str]) -> None:
        """Forget what was kept for segments no longer live (merged away, or of an older
        generation), so a worker does not keep two indexes' worth after a rebuild."""
        with self._lock:
            for key in [k for k in self._entries if k[0] not in segments]:
                self._size -= len(self._entries.pop(key)[0])
            for key in [k for k in self._columns if k[0] not in segments]:
                del self._columns[key]

    def column(self, reader, fieldname: str) -> list:
        """A segment reader's raw column values of ``fieldname``, one per document (kept,
        like postings, by segment id: range filters read them instead of range terms)."""
        key = (reader.segment().segment_id(), fieldname)
        with self._lock:
            found = self._columns.get(key)
            if found is not None:
                self._columns.move_to_end(key)
                return found
        found = list(reader.column_reader(fieldname, translate=False))
        with self._lock:
            self._columns[key] = found
            while len(self._columns) > MAX_COLUMNS:
                self._columns.popitem(last=False)
        return found

    def cached(self, segment: str, term: tuple[str, bytes]) -> Postings | None:
        """The postings of ``term`` in ``segment`` if they are kept, without opening them."""
        with self._lock:
            found = self._entries.get((segment, term))
            if found is not None:
                self._entries.move_to_end((segment, term))
            return found

    def of(self, segment: str, matcher: W3LeafMatcher) -> Postings:
        """The postings of a fresh leaf matcher of ``segment``'s reader."""
        key = (segment, matcher.term())
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
        found = decode(matcher)
        with self._lock:
            if key not in self._entries:
                self._entries[key] = found
                self._size += len(found[0])
                while self._size > self.budget and len(self._entries) > 1:
                    _, (ids, _weights) = self._entries.popitem(last=False)
                    self._size -= len(ids)
        return found


def decode(matcher: W3LeafMatcher) -> Postings:
    """Every posting of a fresh leaf matcher, a block at a time, as Whoosh's matcher would
    give them (``id()`` and ``weight()``)."""
    ids, weights = array("I"), array("d")
    while matcher.is_active():
        if matcher._ids is None:
            matcher._read_ids()
        if matcher._weights is None:
            matcher._read_weights()
        start = matcher._i
        ids.extend(matcher._ids[start:])
        weights.extend(list(matcher._weights[start:]))  # array('f') or a tuple
        matcher._next_block()
    return ids, weights
