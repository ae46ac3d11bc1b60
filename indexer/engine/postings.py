"""Decoded postings of the terms searches use, per segment, kept between searches.

Reading a term's postings from a segment means, for each block of them, unpickling it
(positions included, which ranking never needs), decompressing it and delta-decoding the
document numbers: for the common words of a query that was most of the time left in a
search. The document numbers and weights are all that counting (:mod:`indexer.engine.matchsets`)
and ranking (:mod:`indexer.engine.ranking`) need, so they are decoded once into two numpy arrays
(8 bytes a posting) and kept, most recently used first, up to ``budget`` postings. A
segment's postings never change (a deletion only hides documents, and is applied by whoever
reads these), so they are kept by segment id across views and commits.
"""

import pickle
import threading
import time
import zlib
from collections import OrderedDict

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.matching import FilterMatcher, Matcher

# About 100 MB of arrays per process: the postings of the words searches met last.
POSTINGS_BUDGET = 12_000_000

# Seconds before a segment found without its posting arrays is looked at again.
LOOK_AGAIN = 30.0

# Segments × range-filtered fields: more than an index has live at once.
MAX_COLUMNS = 256

# Document numbers (int32) of phrases found, kept per segment: at most 16 MB per process.
PHRASES_BUDGET = 4_000_000

Postings = tuple[np.ndarray, np.ndarray]
"""Document numbers (``int32``, ascending) and their weights (``float32`` where that holds
them exactly, as the codec stores them; widened to ``float64`` they are exactly the floats
Whoosh's matcher gives)."""


class PostingCache:
    def __init__(self, budget: int = POSTINGS_BUDGET) -> None:
        self.budget = budget
        self._entries: OrderedDict[tuple, Postings] = OrderedDict()
        self._size = 0
        self._columns: OrderedDict[tuple[str, str], list] = OrderedDict()
        # A segment's files beside Whoosh's (its posting arrays), opened once: by segment id,
        # what was opened (or None) and when it was looked for.
        self._files: dict[str, tuple[object, float]] = {}
        # By (segment id, field, words): the records holding the phrase, deletions not applied.
        self._phrases: OrderedDict[tuple, np.ndarray] = OrderedDict()
        self._phrases_size = 0
        self._lock = threading.Lock()

    def retain(self, segments: set[str]) -> None:
        """Forget what was kept for segments no longer live (merged away, or of an older
        generation), so a worker does not keep two indexes' worth after a rebuild."""
        with self._lock:
            for key in [k for k in self._entries if k[0] not in segments]:
                self._size -= len(self._entries.pop(key)[0])
            for key in [k for k in self._columns if k[0] not in segments]:
                del self._columns[key]
            for key in [k for k in self._files if k not in segments]:
                del self._files[key]
            for key in [k for k in self._phrases if k[0] not in segments]:
                self._phrases_size -= len(self._phrases.pop(key))

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

    def column_array(self, reader, fieldname: str) -> np.ndarray | None:
        """:meth:`column` as an unsigned numpy array, or ``None`` if a value does not fit."""
        key = (reader.segment().segment_id(), f"{fieldname}\0array")
        with self._lock:
            found = self._columns.get(key, False)
        if found is not False:
            return found
        found = _unsigned_column(reader.column_reader(fieldname, translate=False))
        if found is None:
            values = self.column(reader, fieldname)
            try:
                found = np.array(values, dtype=np.uint64) if values else None
            except (OverflowError, TypeError, ValueError):
                found = None
        with self._lock:
            self._columns[key] = found
        return found

    def year_array(self, reader) -> np.ndarray | None:
        """The raw ``year`` column as numbers in its own order (``b""``, undated, as -1), or
        ``None`` if a value is not four digits (their order as bytes would not be numbers')."""
        key = (reader.segment().segment_id(), "year\0array")
        with self._lock:
            found = self._columns.get(key, False)
        if found is not False:
            return found
        values = self.column(reader, "year")
        distinct = set(values)
        found = None
        if all(v == b"" or (len(v) == 4 and v.isdigit()) for v in distinct):
            number = {v: int(v) if v else -1 for v in distinct}
            found = np.array([number[v] for v in values], dtype=np.int64)
        with self._lock:
            self._columns[key] = found
        return found

    def deleted(self, reader) -> np.ndarray | None:
        """The deleted document numbers of a segment reader (``None`` if there are none).
        Kept by segment and count: a segment's deletions only ever grow."""
        if not reader.has_deletions():
            return None
        deleted = reader.deleted_docs_set
        key = (reader.segment().segment_id(), f"\0deleted{len(deleted)}")
        with self._lock:
            found = self._columns.get(key)
        if found is None:
            found = np.fromiter(deleted, dtype=np.int64, count=len(deleted))
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

    def phrase(self, key: tuple[str, str, tuple[bytes, ...]]) -> np.ndarray | None:
        """The records of a segment holding a phrase, if kept: ``key`` is the segment id, the
        field and the words. Deletions are not applied: a commit that deletes records of the
        segment leaves what was found true of the others (deletions only ever grow)."""
        with self._lock:
            found = self._phrases.get(key)
            if found is not None:
                self._phrases.move_to_end(key)
            return found

    def keep_phrase(self, key: tuple[str, str, tuple[bytes, ...]], found: np.ndarray) -> None:
        with self._lock:
            if key in self._phrases:
                return
            self._phrases[key] = found
            self._phrases_size += len(found)
            while self._phrases_size > PHRASES_BUDGET and len(self._phrases) > 1:
                self._phrases_size -= len(self._phrases.popitem(last=False)[1])

    def segment_file(self, segment: str, opener):
        """What ``opener()`` gave for ``segment`` (a file the indexer writes beside it),
        opened once; a segment found without one is looked at again after
        :data:`LOOK_AGAIN` seconds (the indexer writes it after the commit readers see)."""
        now = time.monotonic()
        with self._lock:
            found = self._files.get(segment)
        if found is not None and (found[0] is not None or now - found[1] < LOOK_AGAIN):
            return found[0]
        opened = opener()
        with self._lock:
            self._files[segment] = (opened, now)
        return opened

    def of(self, segment: str, term: tuple[str, bytes], matcher) -> Postings:
        """The postings of ``term``, from a fresh matcher of it by ``segment``'s reader."""
        return self.keep(segment, term, decode(matcher))

    def keep(self, segment: str, term: tuple[str, bytes], found: Postings) -> Postings:
        """Keep ``found``, the postings of ``term`` in ``segment``, and return what is kept."""
        key = (segment, term)
        with self._lock:
            if key in self._entries:  # another thread kept it first
                return self._entries[key]
            self._entries[key] = found
            self._size += len(found[0])
            while self._size > self.budget and len(self._entries) > 1:
                _, (ids, _weights) = self._entries.popitem(last=False)
                self._size -= len(ids)
        return found


def _unsigned_column(column) -> np.ndarray | None:
    """A column of unsigned integers read as one array from its bytes (Whoosh's reader
    unpacks one value a call: 70 ms for 25,000 dates), or ``None`` for any other kind."""
    if type(column) is not NumericColumn.Reader or column._reverse:
        return None
    if column._typecode not in "BHILQ" or not column._doccount:
        return None
    # Values are written up to the last document that has one; the rest read as the default.
    written = min(column._count, column._doccount)
    raw = column._dbfile.get(column._basepos, written * column._fixedlen)
    values = np.full(column._doccount, column._default, dtype=np.uint64)
    values[:written] = np.frombuffer(raw, dtype=">" + column._typecode)
    return values


def leaf_matcher(matcher: Matcher) -> Matcher:
    """The codec's matcher under the segment reader's deletion filter, if any."""
    while type(matcher) is FilterMatcher:
        matcher = matcher.child
    return matcher


def decode(matcher) -> Postings:
    """Every posting of a fresh leaf matcher, as Whoosh's matcher would give them (``id()``
    and ``weight()``), read a block at a time: each block's deltas are summed by numpy
    instead of one Python step a posting."""
    if type(matcher) is not W3LeafMatcher:  # a few postings kept in the term's info
        pairs = []
        while matcher.is_active():
            pairs.append((matcher.id(), matcher.weight()))
            matcher.next()
        return (
            np.array([d for d, _ in pairs], dtype=np.int32),
            _narrowed(np.array([w for _, w in pairs], dtype=np.float64)),
        )
    id_blocks: list[np.ndarray] = []
    weight_blocks: list[np.ndarray] = []
    while matcher.is_active():
        count = matcher._blocklength
        if matcher._data is None:
            ids, weights = _ids_and_weights(matcher, count)
        else:
            ids, weights = matcher._data[0], matcher._data[1]
        if matcher._byteids:  # never written by this project's codec settings
            block = np.asarray(ids, dtype=np.int64)
        else:
            block = np.cumsum(np.asarray(ids, dtype=np.int64))
        if weights is None:
            weights = np.ones(count, dtype=np.float32)
        elif isinstance(weights, float):
            weights = np.full(count, weights, dtype=np.float64)
        elif getattr(weights, "typecode", None) == "f":
            weights = np.frombuffer(weights, dtype=np.float32)
        else:
            weights = np.asarray(weights, dtype=np.float64)
        start = matcher._i
        id_blocks.append(block[start:])
        weight_blocks.append(weights[start:])
        matcher._next_block()
    if not id_blocks:
        return np.empty(0, dtype=np.int32), np.empty(0, dtype=np.float32)
    return (
        np.concatenate(id_blocks).astype(np.int32),
        _narrowed(np.concatenate(weight_blocks)),
    )


# A block's data is the pickle (protocol 2) of (ids, weights, values); each value is the bytes
# of a posting's positions, which protocol 2 writes as a call of ``_codecs.encode``, so the
# values tuple starts with this mark when it holds more than three (it begins with MARK).
_VALUES = b"(c_codecs\nencode\n"
_PAIR_AND_STOP = b"\x86."  # TUPLE2, STOP: the ids and weights on the stack, as a pair
# Bytes of a block's pickle before its values, at most, per posting: an id takes 2–5 bytes,
# a weight 9 (or none, when they are all the same).
_HEAD_PER_POSTING = 14


def _ids_and_weights(matcher: W3LeafMatcher, count: int) -> tuple:
    """The current block's ids and weights as ``W3LeafMatcher._read_data`` would find them,
    without its values (most of its bytes, and most of the time reading it took): only the
    head of a compressed block is decompressed, and its pickle is cut where the values begin
    and closed as a pair. Whatever does not look like that is read whole."""
    data = matcher._postfile.get(matcher._dataoffset, matcher._nextoffset - matcher._dataoffset)
    stream = zlib.decompressobj() if matcher._compression else None
    if count > 3:
        step = 64 + count * _HEAD_PER_POSTING
        head = stream.decompress(data, step) if stream else data
        while (at := head.find(_VALUES)) < 0 and stream and stream.unconsumed_tail:
            head += stream.decompress(stream.unconsumed_tail, step)
        if at > 0:
            found = _pair(head[:at] + _PAIR_AND_STOP, count)
            if found is not None:
                return found
        if stream:
            data = head + stream.decompress(stream.unconsumed_tail) + stream.flush()
    elif stream:
        data = zlib.decompress(data)
    ids, weights, _values = pickle.loads(data)
    return ids, weights


def _pair(data: bytes, count: int) -> tuple | None:
    try:
        found = pickle.loads(data)
    except pickle.UnpicklingError:
        return None
    return found if type(found) is tuple and len(found) == 2 and len(found[0]) == count else None


def _narrowed(weights: np.ndarray) -> np.ndarray:
    """``weights`` as ``float32`` if no value changes (half the memory), else as they are."""
    if weights.dtype == np.float32:
        return weights
    narrow = weights.astype(np.float32)
    return narrow if np.array_equal(narrow, weights) else weights
