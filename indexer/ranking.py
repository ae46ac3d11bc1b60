"""The best-scored records of a search, computed over the set of records it matches.

Whoosh's collector finds the top N by walking the query's matcher tree one posting at a time
(an intersection of per-word unions of title and body), several Python calls per posting;
for two common words at 100,000 records that walk was most of a search. The records that
match are already known as sets (:mod:`indexer.matchsets`, also used for totals and facets),
so only their scores remain, and those are computed here term by term from the decoded
postings (:mod:`indexer.postings`), with the very same arithmetic: the scorer Whoosh builds
for each term (BM25F), the boost its wrapper multiplies by, the sums of its unions and
intersections in the shape of the tree Whoosh builds, and the weighting's recency ``final``
— so scores, and the order of equal scores (lower document number first), are exactly those
of Whoosh's top collector. Any other part of a tree (a phrase, a large preloaded union, a
term of an unscored field) is walked by its own matcher, which gives each of its matches the
score it gives inside the tree.

Whoosh's collector, left to itself, also *replaces* its matcher every ten matches with one
that skips what cannot beat the current N-th best score; but that score has been through
``final`` (up to ×1.6) while the matchers' bounds have not, so it dropped records that
would have ranked and scored others below what the formula gives them. The scores here are
what the formula says, equal to Whoosh's with ``TopCollector(replace=0)``.

The recency factor is at most ``RecencyBM25F.ceiling``, so only records whose plain score
times that ceiling reaches the N-th best plain score can make the top N: ``final`` runs on
those few instead of on every match, best plain score first, and stops when no plain score
left can reach the N-th best final one.
"""

import bisect
import heapq
import itertools
import math
import threading
from array import array
from collections import OrderedDict

from whoosh import query as q
from whoosh.codec.whoosh3 import W3LeafMatcher, byte_to_length
from whoosh.matching import (
    AndMaybeMatcher,
    AndNotMatcher,
    FilterMatcher,
    IntersectionMatcher,
    ListMatcher,
    Matcher,
    NullMatcherClass,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.scoring import BM25FScorer
from whoosh.searching import Searcher

from indexer.postings import PostingCache

# More than an index ever has live at once (Whoosh merges small segments as it commits).
MAX_SEGMENTS = 256
# Rounding room when a plain score is compared with a bound on its final score.
_SLACK = 1.0 + 1e-9
# Below one wanted record per this many postings, look the records up rather than scan.
_BISECT_RATIO = 16

Scores = dict[int, float]


class Unsupported(Exception):
    """A leaf this module does not score itself: its own matcher does."""


class Ranker:
    """Top-N by score over known matches; keeps each segment's field lengths (a segment's
    columns never change, so they are kept by segment id across the indexer's commits)."""

    def __init__(self, postings: PostingCache) -> None:
        self.postings = postings
        self._lengths: OrderedDict[tuple[str, str], list] = OrderedDict()
        self._lock = threading.Lock()

    def retain(self, segments: set[str]) -> None:
        """Forget the field lengths and postings of segments no longer live."""
        self.postings.retain(segments)
        with self._lock:
            for key in [k for k in self._lengths if k[0] not in segments]:
                del self._lengths[key]

    def top(
        self, searcher: Searcher, query: q.Query, matches: list[set[int]], limit: int
    ) -> list[tuple[float, int]]:
        """``(score, docnum)`` of the best ``limit`` of ``matches`` (one set per leaf
        searcher), best first, as Whoosh's top collector ranks them."""
        context = searcher.context()
        segments: list[tuple[int, Scores]] = []
        for (leaf, offset), wanted in zip(searcher.leaf_searchers(), matches, strict=True):
            if wanted:
                segments.append((offset, self._scores(query.matcher(leaf, context), wanted, leaf)))
        return _best(searcher, segments, limit)

    def _scores(self, matcher: Matcher, wanted: set[int], leaf: Searcher) -> Scores:
        """Each wanted document's score from ``matcher``, as ``matcher.score()`` gives it."""
        kind = type(matcher)
        if kind is UnionMatcher or kind is AndMaybeMatcher:
            a = self._scores(matcher.a, wanted, leaf)
            b = self._scores(matcher.b, wanted, leaf)
            return _union(a, b) if kind is UnionMatcher else _maybe(a, b)
        if kind is IntersectionMatcher:
            a = self._scores(matcher.a, wanted, leaf)
            b = self._scores(matcher.b, wanted, leaf)
            return {d: a[d] + b[d] for d in (a.keys() & b.keys())}
        if kind is AndNotMatcher:  # the exclusion is already out of ``wanted``
            return self._scores(matcher.a, wanted, leaf)
        if kind is FilterMatcher:  # deletions, already out of ``wanted``
            return self._scores(matcher.child, wanted, leaf)
        if kind is NullMatcherClass:
            return {}
        try:
            if kind is WrappingMatcher:
                return self._leaf(matcher.child, wanted, leaf, matcher.boost)
            return self._leaf(matcher, wanted, leaf, None)
        except Unsupported:
            return _walked(matcher, wanted)

    def _leaf(self, matcher: Matcher, wanted: set[int], leaf: Searcher, boost) -> Scores:
        """A term's BM25F scores (times its boost): ``scorer._score(weight, length)``."""
        if type(matcher) is FilterMatcher:
            matcher = matcher.child
        kind = type(matcher)
        if kind is W3LeafMatcher:
            segment = leaf.reader().segment().segment_id()
            ids, weights = self.postings.of(segment, matcher)
            scorer, postings = matcher.scorer, _wanted_postings(ids, weights, wanted)
        elif kind is ListMatcher:
            scorer, postings = matcher._scorer, _list_postings(matcher)
        else:
            raise Unsupported(kind.__name__)
        if type(scorer) is not BM25FScorer or not matcher.term():
            raise Unsupported(type(scorer).__name__)
        lengths = self._field_lengths(leaf, matcher.term()[0])
        # whoosh.scoring.bm25(idf, w, length, avgfl, B, K1), spelled out here (a function
        # call per posting was a third of the ranking): the same operations in the same
        # order, so the same floats.
        idf, avgfl, b, k1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        k1_1, b_1 = k1 + 1, 1 - b
        if boost is None:
            return {
                d: idf * ((w * k1_1) / (w + k1 * (b_1 + b * lengths[d] / avgfl)))
                for d, w in postings
                if d in wanted
            }
        return {
            d: idf * ((w * k1_1) / (w + k1 * (b_1 + b * lengths[d] / avgfl))) * boost
            for d, w in postings
            if d in wanted
        }

    def _field_lengths(self, leaf: Searcher, fieldname: str) -> list:
        """What ``leaf.doc_field_length(docnum, fieldname, 1)`` answers, for every docnum."""
        reader = leaf.reader()
        key = (reader.segment().segment_id(), fieldname)
        with self._lock:
            lengths = self._lengths.get(key)
            if lengths is None:
                lengths = _read_lengths(reader, fieldname)
                self._lengths[key] = lengths
                while len(self._lengths) > MAX_SEGMENTS * 2:
                    self._lengths.popitem(last=False)
            self._lengths.move_to_end(key)
            return lengths


def _read_lengths(reader, fieldname: str) -> list:
    count = reader.doc_count_all()
    first = reader.doc_field_length(0, fieldname, 1) if count else None
    column = reader._perdoc._readers.get(f"_{fieldname}_len")  # loaded by the call above
    if column is None:
        return [reader.doc_field_length(d, fieldname, 1) for d in range(count)]
    lengths = [byte_to_length(b) if b else None for b in column]
    if count and lengths[0] != first:
        raise AssertionError("length column out of step with doc_field_length")
    return lengths


def _walked(matcher: Matcher, wanted: set[int]) -> Scores:
    """Scores of a part of the tree this module does not compute, from its own fresh matcher
    (its reading of positions for a phrase, and so on)."""
    scores: Scores = {}
    while matcher.is_active():
        docnum = matcher.id()
        if docnum in wanted:
            scores[docnum] = matcher.score()
        matcher.next()
    return scores


def _wanted_postings(ids: array, weights: array, wanted: set[int]):
    """``(docnum, weight)`` of a term's postings; when the wanted records are far fewer than
    the postings (a common word beside a rare one), each is looked up by bisection instead
    of every posting being tested."""
    if len(wanted) * _BISECT_RATIO >= len(ids):
        return zip(ids, weights, strict=True)
    found = []
    end = len(ids)
    for docnum in sorted(wanted):
        at = bisect.bisect_left(ids, docnum)
        if at < end and ids[at] == docnum:
            found.append((docnum, weights[at]))
    return found


def _list_postings(matcher: ListMatcher):
    ids = matcher._ids[matcher._i :]
    if matcher._all_weights:
        return ((d, matcher._all_weights) for d in ids)
    if matcher._weights:
        return zip(ids, matcher._weights[matcher._i :], strict=True)
    return ((d, 1.0) for d in ids)


def _union(a: Scores, b: Scores) -> Scores:
    """``a.score() + b.score()`` where both match, else the one that does."""
    out = dict(a)
    for d, score in b.items():
        mine = out.get(d)
        out[d] = score if mine is None else mine + score
    return out


def _maybe(a: Scores, b: Scores) -> Scores:
    return {d: (score + b[d] if d in b else score) for d, score in a.items()}


def _best(searcher: Searcher, segments: list[tuple[int, Scores]], limit: int) -> list:
    """The top ``limit`` by final score, ties to the lower document number.

    The ``limit`` best plain scores have final scores at least that high, so a record whose
    plain score times the ceiling falls below the ``limit``-th of them cannot rank; the rest
    go through ``final`` best plain score first, until no later one can enter the top.
    """
    weighting = searcher.weighting
    final = weighting.final if weighting.use_final else None
    ceiling = getattr(weighting, "ceiling", None) if final else 1.0
    if ceiling is None:
        ceiling, floor = math.inf, -math.inf
    else:
        floor = _floor(segments, limit, ceiling)
    candidates = [
        (score, offset + d)
        for offset, scores in segments
        for d, score in scores.items()
        if score >= floor
    ]
    candidates.sort(key=lambda pair: -pair[0])
    best: list[tuple[float, int]] = []  # a heap of (final score, -docnum)
    for score, docnum in candidates:
        if len(best) == limit and score * ceiling * _SLACK < best[0][0]:
            break
        item = (final(searcher, docnum, score) if final else score, -docnum)
        if len(best) < limit:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    best.sort(reverse=True)
    return [(score, -negated) for score, negated in best]


def _floor(segments: list[tuple[int, Scores]], limit: int, ceiling: float) -> float:
    """The least plain score that may still rank in the top ``limit``."""
    if sum(len(scores) for _, scores in segments) <= limit:
        return -math.inf
    values = itertools.chain.from_iterable(scores.values() for _, scores in segments)
    threshold = heapq.nlargest(limit, values)[-1]
    return threshold / (ceiling * _SLACK) if threshold > 0 else -math.inf
