"""The records a query matches in one segment, as a set of document numbers.

Counting walks every match, and walking a Whoosh matcher tree costs several Python calls per
posting (a union of title and body for each word, intersections between words): for a common
word at 100,000 records that was most of a search. A term's document numbers are read whole
(and kept, :class:`indexer.engine.postings.PostingCache`), and the tree's ``And``, ``Or`` and
``AndNot`` become operations on boolean masks over the segment's documents, done by numpy.
A phrase is the records holding all its words (the same masks), whose positions are then
read for those records only; a date range is read from the dates column. Any other query is
walked by its own matcher, so it means exactly what it means to the ranked search.

Deletions are applied the way Whoosh applies them — the segment reader wraps each term's
postings in a :class:`~whoosh.matching.FilterMatcher` excluding deleted documents — so the
sets are the ids the matcher would yield.
"""

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import numpy as np
from whoosh import fields
from whoosh import query as q
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.searching import Searcher

from indexer.engine.posting_arrays import open_arrays
from indexer.engine.postings import PostingCache, leaf_matcher


class DocSet:
    """Document numbers of one segment, kept as a boolean mask over its documents; it
    answers ``len``, ``in``, iteration (ascending) and ``&``, ``|``, ``-`` (with another
    ``DocSet`` or a Python set) like a set of ints."""

    __slots__ = ("_count", "_ids", "mask")

    def __init__(self, mask: np.ndarray) -> None:
        self.mask = mask
        self._ids: np.ndarray | None = None
        self._count: int | None = None

    @classmethod
    def empty(cls, size: int) -> "DocSet":
        return cls(np.zeros(size, dtype=bool))

    @classmethod
    def of(cls, ids, size: int) -> "DocSet":
        mask = np.zeros(size, dtype=bool)
        mask[np.fromiter(ids, dtype=np.int64) if not isinstance(ids, np.ndarray) else ids] = True
        return cls(mask)

    @property
    def ids(self) -> np.ndarray:
        """The document numbers, ascending (``int64``)."""
        if self._ids is None:
            self._ids = np.flatnonzero(self.mask)
        return self._ids

    def __len__(self) -> int:
        if self._count is None:
            self._count = int(np.count_nonzero(self.mask))
        return self._count

    def __bool__(self) -> bool:
        return len(self) > 0

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids.tolist())

    def __contains__(self, docnum: object) -> bool:
        return isinstance(docnum, int) and 0 <= docnum < len(self.mask) and self.mask[docnum]

    def _other(self, other) -> np.ndarray:
        if isinstance(other, DocSet):
            return other.mask
        if isinstance(other, set | frozenset):
            return DocSet.of(other, len(self.mask)).mask
        return NotImplemented

    def __and__(self, other) -> "DocSet":
        mask = self._other(other)
        return NotImplemented if mask is NotImplemented else DocSet(self.mask & mask)

    __rand__ = __and__

    def __or__(self, other) -> "DocSet":
        mask = self._other(other)
        return NotImplemented if mask is NotImplemented else DocSet(self.mask | mask)

    __ror__ = __or__

    def __sub__(self, other) -> "DocSet":
        mask = self._other(other)
        return NotImplemented if mask is NotImplemented else DocSet(self.mask & ~mask)

    def __rsub__(self, other) -> "DocSet":
        mask = self._other(other)
        return NotImplemented if mask is NotImplemented else DocSet(mask & ~self.mask)

    def __eq__(self, other) -> bool:
        if isinstance(other, DocSet):
            return bool(np.array_equal(self.mask, other.mask))
        if isinstance(other, set | frozenset):
            return set(self) == other
        return NotImplemented

    __hash__ = None  # mutable, like a set

    def __repr__(self) -> str:
        shown = self.ids[:10].tolist()
        return f"DocSet({shown}{'…' if len(self) > 10 else ''} of {len(self.mask)})"


def doc_ids(found) -> np.ndarray:
    """The ascending document numbers of a :class:`DocSet` or a set of ints."""
    if isinstance(found, DocSet):
        return found.ids
    return np.array(sorted(found), dtype=np.int64)


def matching_docs(query: q.Query, searcher: Searcher, postings: PostingCache) -> DocSet:
    """Document numbers of one segment's searcher that ``query`` matches."""
    return DocSet(match_mask(query, searcher, postings))


def match_mask(query: q.Query, searcher: Searcher, postings: PostingCache) -> np.ndarray:
    """What :func:`matching_docs` finds, as a boolean mask over the segment's documents."""
    kind = type(query)
    reader = searcher.reader()
    size = reader.doc_count_all()
    if query is q.NullQuery:
        return np.zeros(size, dtype=bool)
    if kind is q.Term:
        return _term_mask(query.fieldname, query.text, searcher, postings)
    if kind is q.Or and not query.minmatch:
        return (
            _union(match_mask(sub, searcher, postings) for sub in query.subqueries)
            if (query.subqueries)
            else np.zeros(size, dtype=bool)
        )
    if kind is q.And:
        return _intersection(query.subqueries, searcher, postings)
    if kind is q.AndNot:
        found = match_mask(query.a, searcher, postings)
        if found.any():
            found &= ~match_mask(query.b, searcher, postings)
        return found
    if kind is q.Phrase and query.slop == 1:
        return phrase_mask(query, searcher, postings)
    if kind is q.DateRange and _dated_column(query, searcher):
        return _dated_between(query, searcher, postings)
    if kind is q.Every and query.fieldname in (None, "", "*"):
        return _live(reader, postings)
    mask = np.zeros(size, dtype=bool)
    mask[np.fromiter(query.matcher(searcher).all_ids(), dtype=np.int64)] = True
    return mask


def _live(reader, postings: PostingCache) -> np.ndarray:
    mask = np.ones(reader.doc_count_all(), dtype=bool)
    deleted = postings.deleted(reader)
    if deleted is not None:
        mask[deleted] = False
    return mask


def _dated_column(query: q.DateRange, searcher: Searcher) -> bool:
    """Whether the range's field is a date kept in a column. A record has one publication
    date, so the column's value is the one its range terms were made from."""
    schema = searcher.schema  # a Whoosh Schema: no .get()
    if query.fieldname not in schema:
        return False
    dated = isinstance(schema[query.fieldname], fields.DATETIME)
    return dated and searcher.reader().has_column(query.fieldname)


def _dated_between(query: q.DateRange, searcher: Searcher, postings: PostingCache) -> np.ndarray:
    """A date range from the column instead of Whoosh's range terms (an ``Or`` of dozens of
    trie terms of every resolution, walked through a matcher: 0.4–1 s at 100,000 records).
    Undated records hold the column's default, beyond the field's largest value, and match
    no range, as they have no range term."""
    field = searcher.schema[query.fieldname]
    reader = searcher.reader()
    start = field.min_value if query.start is None else field.prepare_number(query.start)
    end = field.max_value if query.end is None else field.prepare_number(query.end)
    if query.startexcl and query.start is not None:
        start += 1
    if query.endexcl and query.end is not None:
        end -= 1
    end = min(end, field.max_value)
    values = postings.column_array(reader, query.fieldname)
    if values is None:  # values numpy cannot hold exactly: compared one by one
        listed = postings.column(reader, query.fieldname)
        mask = np.array([start <= value <= end for value in listed], dtype=bool)
    else:
        low, high = max(start, 0), min(end, np.iinfo(values.dtype).max)
        if low > high:
            mask = np.zeros(len(values), dtype=bool)
        else:
            mask = (values >= values.dtype.type(low)) & (values <= values.dtype.type(high))
    deleted = postings.deleted(reader)
    if deleted is not None:
        mask[deleted] = False
    return mask


def term_postings(fieldname: str, text, searcher: Searcher, postings: PostingCache):
    """A term's kept postings in one segment (read and kept if they are not yet), or
    ``None`` if the segment does not hold the term. ``text`` may be the term's bytes."""
    reader = searcher.reader()
    schema = searcher.schema  # a Whoosh Schema: no .get()
    if fieldname not in schema:
        return None
    if isinstance(text, str):
        try:
            text = schema[fieldname].to_bytes(text)
        except ValueError:
            return None
    segment = reader.segment()
    if segment is None:  # an index with no segment yet
        return None
    key = (fieldname, text)
    segment_id = segment.segment_id()
    found = postings.cached(segment_id, key)
    if found is not None:
        return found
    arrays = _posting_arrays(reader, segment_id, postings)
    found = arrays.get(key) if arrays is not None else None
    if found is not None:
        return postings.keep(segment_id, key, found)
    if key not in reader:
        return None
    return postings.of(segment_id, key, leaf_matcher(reader.postings(fieldname, text)))


def _posting_arrays(reader, segment_id: str, postings: PostingCache):
    """The segment's posting arrays the indexer wrote beside it, if it has them."""
    storage = getattr(reader, "_storage", None)
    # A compound segment's reader reads through an overlay of its file on the directory.
    folder = getattr(getattr(storage, "b", storage), "folder", None)
    if folder is None:  # an index in memory
        return None
    return postings.segment_file(
        segment_id, lambda: open_arrays(Path(folder), segment_id, reader.doc_count_all())
    )


def _term_mask(
    fieldname: str, text, searcher: Searcher, postings: PostingCache, deletions: bool = True
) -> np.ndarray:
    """A term's documents, deletions applied as the segment reader applies them (unless
    ``deletions`` is false)."""
    reader = searcher.reader()
    mask = np.zeros(reader.doc_count_all(), dtype=bool)
    found = term_postings(fieldname, text, searcher, postings)
    if found is None:
        return mask
    mask[found[0]] = True
    if deletions:
        _delete(mask, reader, postings)
    return mask


def _delete(mask: np.ndarray, reader, postings: PostingCache) -> np.ndarray:
    deleted = postings.deleted(reader)
    if deleted is not None:
        mask[deleted] = False
    return mask


def phrase_mask(query: q.Phrase, searcher: Searcher, postings: PostingCache) -> np.ndarray:
    """The records holding ``query``'s words at consecutive positions, in order (Whoosh's
    ``Phrase`` with its default slop of 1): those holding every word, from the kept
    postings, then the positions of each word read for those records only.

    Reading positions is the costly part (a common phrase: tens of thousands of records,
    each word's positions unpickled), and a search asks twice (to match, then to rank), so
    what a segment's positions gave is kept by segment (:meth:`PostingCache.phrase`): also
    across the commits that leave the segment as it is, so that a commit does not make every
    search of a phrase read them again."""
    reader = searcher.reader()
    size = reader.doc_count_all()
    schema = searcher.schema
    fieldname = query.fieldname
    if fieldname not in schema or not query.words:
        return np.zeros(size, dtype=bool)
    field = schema[fieldname]
    try:
        words = [field.to_bytes(w) for w in query.words]
    except ValueError:
        return np.zeros(size, dtype=bool)
    segment = reader.segment() if len(words) > 1 and hasattr(reader, "segment") else None
    key = (segment.segment_id(), fieldname, tuple(words)) if segment is not None else None
    found = postings.phrase(key) if key is not None else None
    if found is None:
        found = _phrase_docs(reader, fieldname, words, searcher, postings)
        if key is not None:
            postings.keep_phrase(key, found)
    mask = np.zeros(size, dtype=bool)
    mask[found] = True
    return _delete(mask, reader, postings)


def _phrase_docs(
    reader, fieldname: str, words: list[bytes], searcher: Searcher, postings: PostingCache
) -> np.ndarray:
    """The records, deleted or not, holding ``words`` in a row."""
    candidates = None
    for word in dict.fromkeys(words):
        mask = _term_mask(fieldname, word, searcher, postings, deletions=False)
        candidates = mask if candidates is None else candidates & mask
        if not candidates.any():
            return np.flatnonzero(candidates)
    ids = np.flatnonzero(candidates)
    if len(words) == 1:
        return ids
    where = {
        word: _positions(reader, fieldname, word, ids, searcher, postings)
        for word in dict.fromkeys(words)
    }
    found = [
        docnum
        for j, docnum in enumerate(ids.tolist())
        if _in_a_row([where[word][j] for word in words])
    ]
    return np.array(found, dtype=np.int32)


def _in_a_row(positions: list[frozenset[int]]) -> bool:
    first, rest = positions[0], positions[1:]
    return any(all(p + i in later for i, later in enumerate(rest, 1)) for p in first)


def _positions(
    reader, fieldname: str, word: bytes, ids: np.ndarray, searcher: Searcher, postings
) -> list[frozenset[int]]:
    """The positions of ``word`` in each of the records ``ids`` (which all hold it), read
    block by block: a block none of them is in is passed over without being unpickled."""
    all_ids, _weights = term_postings(fieldname, word, searcher, postings)
    at = np.searchsorted(all_ids, ids)  # index of each record among the word's postings
    decode = searcher.schema[fieldname].format.decode_positions
    matcher = leaf_matcher(reader.postings(fieldname, word))
    if type(matcher) is not W3LeafMatcher:  # a term's few postings kept in its term info
        out = []
        for docnum in ids.tolist():
            matcher.skip_to(docnum)
            out.append(frozenset(matcher.value_as("positions")))
        return out
    out: list[frozenset[int]] = []
    start, i, wanted = 0, 0, len(at)
    while i < wanted and matcher.is_active():
        end = start + matcher._blocklength
        if at[i] < end:
            matcher._read_values()
            values = matcher._values
            while i < wanted and at[i] < end:
                out.append(frozenset(decode(values[at[i] - start])))
                i += 1
        start = end
        matcher._next_block()
    return out


def _union(parts: Iterable[np.ndarray]) -> np.ndarray:
    found = None
    for part in parts:
        if found is None:
            found = part
        else:
            found |= part
    return found


def _intersection(queries: list[q.Query], searcher: Searcher, postings: PostingCache) -> np.ndarray:
    if not queries:
        return np.zeros(searcher.reader().doc_count_all(), dtype=bool)
    found = match_mask(queries[0], searcher, postings)
    for sub in queries[1:]:
        if not found.any():
            break
        found &= match_mask(sub, searcher, postings)
    return found


def narrowing(
    fieldname: str, searcher: Searcher, postings: PostingCache
) -> Callable[[np.ndarray | None, str], np.ndarray | None]:
    """``narrow(held, term)``: of the records ``held`` (document numbers of the whole
    searcher, ascending; ``None``: every record), the live ones whose ``fieldname`` also
    holds ``term``, or ``None`` if none does — the titles holding each word of a reading so
    far, narrowed a word at a time. Each term's postings are looked up once per
    ``narrowing``: one reading of initials tries a word after many others. Deletions are
    applied to what two or more terms hold (a few records), not to each term's postings."""
    leaves = searcher.leaf_searchers()
    terms: dict[str, np.ndarray] = {}
    deleted: list[np.ndarray] = []

    def held_by(term: str) -> np.ndarray:
        found = terms.get(term)
        if found is None:
            parts = [
                posting[0].astype(np.int64) + offset
                for leaf, offset in leaves
                if (posting := term_postings(fieldname, term, leaf, postings)) is not None
            ]
            found = terms[term] = np.concatenate(parts) if parts else np.empty(0, np.int64)
        return found

    def gone() -> np.ndarray:
        if not deleted:
            parts = [
                numbers.astype(np.int64) + offset
                for leaf, offset in leaves
                if (numbers := postings.deleted(leaf.reader())) is not None
            ]
            deleted.append(np.sort(np.concatenate(parts)) if parts else np.empty(0, np.int64))
        return deleted[0]

    def narrow(held: np.ndarray | None, term: str) -> np.ndarray | None:
        found = held_by(term)
        if held is not None:
            found = _common(held, found)
            if len(found) and len(gone()):
                found = found[~_within(found, gone())]
        return found if len(found) else None

    return narrow


def _common(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The ascending numbers in both ``a`` and ``b``: each of the shorter looked up in the
    longer, not both sorted together (a common word's postings are long)."""
    if len(a) > len(b):
        a, b = b, a
    return a[_within(a, b)]


def _within(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Which numbers of ``a`` the ascending ``b`` holds."""
    if not len(b):
        return np.zeros(len(a), dtype=bool)
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return b[at] == a
