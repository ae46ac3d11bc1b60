"""The best-scored records of a search, computed over the set of records it matches.

Whoosh's collector finds the top N by walking the query's matcher tree one posting at a time
(an intersection of per-word unions of title and body), several Python calls per posting;
for two common words at 100,000 records that walk was most of a search. The records that
match are already known (:mod:`indexer.engine.matchsets`, also used for totals and facets), so only
their scores remain, and those are computed here with numpy, a whole term at a time, from
the decoded postings (:mod:`indexer.engine.postings`) — with the very arithmetic of Whoosh's
matchers: the scorer Whoosh builds for each term (BM25F), the boost its wrapper multiplies
by, and the sums of unions and intersections in the shape of the tree Whoosh would build
(the same helpers build it, from the same size estimates), then the weighting's recency
``final``. So scores, and the order of equal scores (lower document number first), are
exactly those of Whoosh's top collector, and no matcher is made for a term or a phrase: a
phrase scores as Whoosh's does (the sum of its words' scores where they stand in a row) on
the records :func:`~indexer.engine.matchsets.phrase_mask` finds. Any other part of a tree is walked
by its own matcher, which gives each of its matches the score it gives inside the tree.

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

import heapq
import math
import threading
from collections import OrderedDict

import numpy as np
from whoosh import query as q
from whoosh.codec.whoosh3 import byte_to_length
from whoosh.scoring import BM25FScorer
from whoosh.searching import Searcher
from whoosh.util import make_binary_tree, make_weighted_tree

from indexer.engine.matchsets import DocSet, match_mask, phrase_mask, term_postings
from indexer.engine.postings import PostingCache

# More than an index ever has live at once (Whoosh merges small segments as it commits).
MAX_SEGMENTS = 256
# Rounding room when a plain score is compared with a bound on its final score.
_SLACK = 1.0 + 1e-9
# Below one wanted record per this many postings, look the records up rather than scan.
_BISECT_RATIO = 16
# Whoosh's Or: a binary tree of unions for few sub-queries or a large segment, else one
# matcher adding every sub-query's scores in turn (``whoosh.query.compound.Or._matcher``).
_TOO_MANY_CLAUSES = 1024
_PRELOAD_MAX_DOCS = 5000
# byte_to_length for every byte a length column may hold.
_LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)


class Ranker:
    """Top-N by score over known matches; keeps each segment's field lengths (a segment's
    columns never change, so they are kept by segment id across the indexer's commits)."""

    def __init__(self, postings: PostingCache) -> None:
        self.postings = postings
        self._lengths: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def retain(self, segments: set[str]) -> None:
        """Forget the field lengths and postings of segments no longer live."""
        self.postings.retain(segments)
        with self._lock:
            for key in [k for k in self._lengths if k[0] not in segments]:
                del self._lengths[key]

    def scored(self, searcher: Searcher, query: q.Query, matches: list) -> "Scored":
        """Every one of ``matches`` (one set of document numbers per leaf searcher) scored, to
        take the best of as often as asked — ranked as Whoosh's top collector ranks them: a
        search that must look further down its ranking does not score its matches again."""
        context = searcher.context()
        segments = []
        scorers: dict = {}  # a term's BM25F statistics: the index's, the same in every segment
        for (leaf, offset), wanted in zip(searcher.leaf_searchers(), matches, strict=True):
            if wanted:
                if not isinstance(wanted, DocSet):
                    wanted = DocSet.of(wanted, leaf.reader().doc_count_all())
                scores = _Scoring(self, leaf, context, wanted, scorers).node(query)
                ids, values = wanted.ids[scores.found], scores.values[scores.found]
                segments.append((offset, ids, values, leaf.reader()))
        return Scored(searcher, segments, self.postings)

    def field_lengths(self, leaf: Searcher, fieldname: str) -> np.ndarray:
        """What ``leaf.doc_field_length(docnum, fieldname, 1)`` answers, for every docnum."""
        reader = leaf.reader()
        key = (reader.segment().segment_id(), fieldname)
        with self._lock:
            lengths = self._lengths.get(key)
            if lengths is not None:
                self._lengths.move_to_end(key)
                return lengths
        lengths = _read_lengths(reader, fieldname)
        with self._lock:
            self._lengths[key] = lengths
            while len(self._lengths) > MAX_SEGMENTS * 2:
                self._lengths.popitem(last=False)
        return lengths


class Scored:
    """The plain scores of a search's matches, segment by segment."""

    def __init__(self, searcher: Searcher, segments: list, postings: PostingCache) -> None:
        self._searcher = searcher
        self._segments = segments
        self._postings = postings

    def best(self, limit: int) -> list[tuple[float, int]]:
        """``(score, docnum)`` of the best ``limit``, best first; the first ``n`` of
        ``best(m)`` for ``m > n`` are ``best(n)``."""
        return _best(self._searcher, self._segments, limit, self._postings)


def _read_lengths(reader, fieldname: str) -> np.ndarray:
    count = reader.doc_count_all()
    first = reader.doc_field_length(0, fieldname, 1) if count else None
    column = reader._perdoc._readers.get(f"_{fieldname}_len")  # loaded by the call above
    if column is None or getattr(column, "_typecode", None) != "B" or column._reverse:
        return np.array([reader.doc_field_length(d, fieldname, 1) for d in range(count)], float)
    raw = column._dbfile.get(column._basepos, count)
    lengths = _LENGTHS[np.frombuffer(raw, dtype=np.uint8)]
    if count and lengths[0] != first:
        raise AssertionError("length column out of step with doc_field_length")
    return lengths


class _Scores:
    """A part of the tree's scores over the wanted records of a segment: which of them it
    matches, and its score for each (where it matches)."""

    __slots__ = ("found", "values")

    def __init__(self, found: np.ndarray, values: np.ndarray) -> None:
        self.found = found
        self.values = values

    # Ties in Whoosh's tree building compare matchers, which never order one before the
    # other: these must not either, for the same tree.
    def __eq__(self, other: object) -> bool:
        return True

    def __lt__(self, other: object) -> bool:
        return False

    __hash__ = object.__hash__


class _Sizes:
    """A segment reader as ``Query.estimate_size`` reads it, with the document frequency of a
    term whose postings are kept taken from them (the same number: every posting written)."""

    def __init__(self, reader, leaf: Searcher, postings: PostingCache) -> None:
        self._reader = reader
        self._leaf = leaf
        self._postings = postings
        self.schema = reader.schema

    def doc_frequency(self, fieldname: str, text) -> int:
        segment = self._reader.segment()
        if segment is not None and isinstance(text, bytes):
            found = self._postings.cached(segment.segment_id(), (fieldname, text))
            if found is not None:
                return len(found[0])
        return self._reader.doc_frequency(fieldname, text)

    def __getattr__(self, name: str):
        return getattr(self._reader, name)


def _intersect(a: _Scores, b: _Scores) -> _Scores:
    """``IntersectionMatcher.score()``: ``a.score() + b.score()`` where both match."""
    return _Scores(a.found & b.found, a.values + b.values)


def _unite(a: _Scores, b: _Scores) -> _Scores:
    """``UnionMatcher.score()``: the sum where both match, else the one that does."""
    both = a.found & b.found
    values = np.where(a.found, a.values, b.values)
    values[both] = a.values[both] + b.values[both]
    return _Scores(a.found | b.found, values)


class _Scoring:
    """The scores of one segment's wanted records, query node by query node, as the
    matchers Whoosh would build for the node (``Query.matcher``) would give them."""

    def __init__(
        self, ranker: Ranker, leaf: Searcher, context, wanted: DocSet, scorers: dict
    ) -> None:
        self.ranker = ranker
        self.leaf = leaf
        self.reader = leaf.reader()
        self.sizes = _Sizes(self.reader, leaf, ranker.postings)
        self.scorers = scorers
        self.length_parts: dict[tuple, np.ndarray] = {}
        self.context = context
        self.weighting = context.weighting
        self.wanted = wanted
        self.ids = wanted.ids
        self.size = len(self.ids)

    def nothing(self) -> _Scores:
        return _Scores(np.zeros(self.size, dtype=bool), np.zeros(self.size))

    def node(self, query: q.Query) -> _Scores:
        kind = type(query)
        if query is q.NullQuery:
            return self.nothing()
        if kind is q.Term:
            return self.term(query.fieldname, query.text, query.boost)
        if kind is q.And or (kind is q.Or and not query.minmatch and not query.scale):
            subs = query.subqueries
            if not subs:
                return self.nothing()
            if len(subs) == 1:
                return self.node(subs[0])
            if kind is q.And:
                sizes = self.sizes
                size = lambda s: 0 - s.estimate_size(sizes)  # noqa: E731 (Whoosh's own)
                return self.tree(subs, _intersect, size, query.boost)
            if len(subs) < _TOO_MANY_CLAUSES and (
                len(subs) == 2 or self.reader.doc_count_all() > _PRELOAD_MAX_DOCS
            ):
                return self.tree(subs, _unite, lambda s: s.estimate_size(self.sizes), query.boost)
            return self.preloaded(subs, query.boost)
        if kind is q.AndNot:
            scores = self.node(query.a)
            excluded = match_mask(query.b, self.leaf, self.ranker.postings)[self.ids]
            return _Scores(scores.found & ~excluded, scores.values)
        if kind is q.Phrase and query.slop == 1:
            return self.phrase(query)
        return self.walked(query)

    def tree(self, subs, combine, weight, boost: float = 1.0) -> _Scores:
        """``CompoundQuery._tree_matcher``: a Huffman-like tree by the sub-queries' estimated
        sizes, built by Whoosh's own helper."""
        scores = make_weighted_tree(combine, [(weight(s), self.node(s)) for s in subs])
        return self.boosted(scores, boost)

    def preloaded(self, subs, boost: float) -> _Scores:
        """``ArrayUnionMatcher``: each sub-query's score times the boost added in turn to
        0.0, and a match wherever the sum is positive."""
        total = np.zeros(self.size)
        for sub in subs:
            scores = self.node(sub)
            found = scores.found
            total[found] += scores.values[found] * boost
        return _Scores(total > 0, total)

    @staticmethod
    def boosted(scores: _Scores, boost: float) -> _Scores:
        """``WrappingMatcher.score()``: the child's score times the boost."""
        if boost != 1.0:
            scores.values = scores.values * boost
        return scores

    def term(self, fieldname: str, text, boost: float, within: np.ndarray | None = None):
        """A term's BM25F scores, ``scorer._score(weight, length)``, times its boost: for
        the wanted records (or those of them ``within`` marks) that hold it."""
        found = term_postings(fieldname, text, self.leaf, self.ranker.postings)
        if found is None:
            return self.nothing()
        ids, weights = found
        at, present = self.locate(ids)
        if within is not None:
            present &= within
        if isinstance(text, str):
            text = self.leaf.schema[fieldname].to_bytes(text)
        scorer = self.scorers.get((fieldname, text), False)
        if scorer is False:
            # What Term.matcher's scorer holds; made once a search (its setup reads the
            # term's info in the segment, which the statistics below do not depend on).
            scorer = self.weighting.scorer(self.leaf, fieldname, text)
            if type(scorer) is BM25FScorer:
                scorer = (scorer.idf, scorer.avgfl, scorer.B, scorer.K1)
            else:
                scorer = None
            self.scorers[(fieldname, text)] = scorer
        if scorer is None:
            return self.walked(q.Term(fieldname, text, boost=boost))
        w = np.zeros(self.size)
        w[present] = weights[at[present]]
        # whoosh.scoring.bm25(idf, w, length, avgfl, B, K1), element by element with the
        # same operations in the same order, so the same floats; the length part is the
        # field's, the same for each of its terms.
        idf, avgfl, b, k1 = scorer
        with np.errstate(divide="ignore", invalid="ignore"):
            values = idf * ((w * (k1 + 1)) / (w + self.length_part(fieldname, avgfl, b, k1)))
        return self.boosted(_Scores(present, values), boost)

    def length_part(self, fieldname: str, avgfl: float, b: float, k1: float) -> np.ndarray:
        """``K1 * ((1 - B) + B * length / avgfl)`` of each wanted record."""
        key = (fieldname, avgfl, b, k1)
        found = self.length_parts.get(key)
        if found is None:
            lengths = self.ranker.field_lengths(self.leaf, fieldname)[self.ids]
            found = self.length_parts[key] = k1 * ((1 - b) + b * lengths / avgfl)
        return found

    def locate(self, ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For each wanted record, its index among a term's postings ``ids`` and whether it
        is there; a few wanted records among many postings are looked up by bisection."""
        if self.size * _BISECT_RATIO >= len(ids):
            mask = self.wanted.mask[ids]
            at = np.zeros(self.size, dtype=np.int64)
            present = np.zeros(self.size, dtype=bool)
            where = np.searchsorted(self.ids, ids[mask])
            at[where] = np.flatnonzero(mask)
            present[where] = True
            return at, present
        at = np.searchsorted(ids, self.ids)
        inside = at < len(ids)
        present = np.zeros(self.size, dtype=bool)
        present[inside] = ids[at[inside]] == self.ids[inside]
        return np.minimum(at, len(ids) - 1), present

    def phrase(self, query: q.Phrase) -> _Scores:
        """``Phrase.matcher``: an intersection of its words' terms (unboosted, a binary tree
        in order) kept where they stand in a row, wrapped at boost 1, then at its boost."""
        schema = self.leaf.schema
        if query.fieldname not in schema:
            return self.nothing()
        field = schema[query.fieldname]
        try:
            words = [field.to_bytes(w) for w in query.words]
        except ValueError:
            return self.nothing()
        if not words or any((query.fieldname, w) not in self.reader for w in words):
            return self.nothing()
        within = phrase_mask(query, self.leaf, self.ranker.postings)[self.ids]
        terms = [self.term(query.fieldname, w, 1.0, within) for w in words]
        scores = make_binary_tree(_intersect, terms)
        scores.values = scores.values * 1.0  # SpanNear2Matcher: a WrappingMatcher
        return self.boosted(scores, query.boost)

    def walked(self, query: q.Query) -> _Scores:
        """Scores of a part of the tree this module does not compute, from its own fresh
        matcher (its reading of positions for a phrase, and so on)."""
        matcher = query.matcher(self.leaf, self.context)
        found = self.nothing()
        index = {docnum: i for i, docnum in enumerate(self.ids.tolist())}
        while matcher.is_active():
            i = index.get(matcher.id())
            if i is not None:
                found.found[i] = True
                found.values[i] = matcher.score()
            matcher.next()
        return found


def _best(searcher: Searcher, segments: list, limit: int, postings: PostingCache) -> list:
    """The top ``limit`` by final score, ties to the lower document number.

    The ``limit`` best plain scores have final scores at least that high, so a record whose
    plain score times the ceiling falls below the ``limit``-th of them cannot rank; ``final``
    runs on the rest only — all at once where the weighting can (``finals``, from the
    segments' kept publication dates), else one by one, best plain score first, until no
    later one can enter the top.
    """
    if not segments:
        return []
    weighting = searcher.weighting
    final = weighting.final if weighting.use_final else None
    ceiling = getattr(weighting, "ceiling", None) if final else 1.0
    scores = np.concatenate([values for _, _, values, _ in segments])
    if ceiling is None or len(scores) <= limit:
        floor = -math.inf
    else:
        threshold = float(np.partition(scores, len(scores) - limit)[len(scores) - limit])
        floor = threshold / (ceiling * _SLACK) if threshold > 0 else -math.inf
    if final is not None and hasattr(weighting, "finals"):
        return _best_at_once(searcher, segments, floor, limit, postings)
    docnums = np.concatenate([ids + offset for offset, ids, _, _ in segments])
    kept = scores >= floor
    docnums, scores = docnums[kept], scores[kept]
    order = np.argsort(-scores, kind="stable")
    ceiling = math.inf if ceiling is None else ceiling
    best: list[tuple[float, int]] = []  # a heap of (final score, -docnum)
    for score, docnum in zip(scores[order].tolist(), docnums[order].tolist(), strict=True):
        if len(best) == limit and score * ceiling * _SLACK < best[0][0]:
            break
        item = (final(searcher, docnum, score) if final else score, -docnum)
        if len(best) < limit:
            heapq.heappush(best, item)
        elif item > best[0]:
            heapq.heapreplace(best, item)
    best.sort(reverse=True)
    return [(score, -negated) for score, negated in best]


def _best_at_once(searcher: Searcher, segments: list, floor: float, limit: int, postings) -> list:
    weighting = searcher.weighting
    docnums, finals = [], []
    for offset, ids, values, reader in segments:
        kept = values >= floor
        if not kept.any():
            continue
        published = postings.column_array(reader, "published")
        if published is None:  # no dates numpy can hold: each record's final on its own
            pairs = zip((ids[kept] + offset).tolist(), values[kept].tolist(), strict=True)
            found = [weighting.final(searcher, d, v) for d, v in pairs]
            finals.append(np.array(found, dtype=np.float64))
        else:
            finals.append(weighting.finals(published[ids[kept]], values[kept]))
        docnums.append(ids[kept] + offset)
    if not docnums:
        return []
    docnum, final = np.concatenate(docnums), np.concatenate(finals)
    order = np.lexsort((docnum, -final))[:limit]
    return list(zip(final[order].tolist(), docnum[order].tolist(), strict=True))
