"""Running a search against the live generation: filters, sorting, pages, facets, highlights,
and the corrections a Chinese search box needs.

:class:`IndexReader` belongs to one process (one gunicorn worker). It opens the generation
named by CURRENT the first time it is asked, after the fork, and looks again at most once a
``refresh_seconds``: a new generation is opened, a new commit to the same one is picked up by
Whoosh's cheap ``refresh``, and searchers still in use keep the files they opened.
"""

import heapq
import html
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import astuple, dataclass, field, replace
from datetime import datetime
from pathlib import Path

import numpy as np
from whoosh import query as q
from whoosh.searching import Searcher

from indexer.analysis import QueryWord, Segmenter
from indexer.analysis.normalize import fold
from indexer.collapsing import collapse
from indexer.correction import Fix, respell_query, typo_fixes
from indexer.engine.facets import FacetCounter
from indexer.engine.generations import Generations
from indexer.engine.matchsets import doc_ids, matching_docs, narrowing
from indexer.engine.postings import PostingCache
from indexer.engine.querying import (
    MAX_WORDS,
    BuiltQuery,
    ParsedQuery,
    QueryBuilder,
    QueryTooComplex,
    parse,
)
from indexer.engine.ranking import Ranker, Scored
from indexer.engine.schema import FACET_FIELDS, TEXT_FIELDS
from indexer.engine.scoring import RecencyBM25F
from indexer.expansion import Expander
from indexer.highlight import highlight
from indexer.lexicon import LEXICON, BackgroundLoad, Lexicon
from indexer.plain_language import Match, PlainLanguage, Rewritten, rewrite
from indexer.search_types import (
    MAX_DEPTH,
    Correction,
    Hit,
    IndexUnavailable,
    SearchRequest,
    SearchResult,
)
from indexer.synonyms import Synonyms

RESULT_CACHE_SIZE = 1_000
log = logging.getLogger("zhanqun.index")
# The best matches re-ranked for an exact title phrase, and by how much it lifts a score.
RERANK = 30
TITLE_PHRASE_FACTOR = 2.0


@dataclass
class View:
    """Everything one search needs from the live generation, consistent with each other."""

    searcher: Searcher
    segmenter: Segmenter
    lexicon: Lexicon
    expander: Expander
    generation: int
    official: frozenset[str]
    facets: FacetCounter
    results: "ResultCache"
    ranker: Ranker
    # Whoosh's readers keep a file position per open segment file: two threads reading through
    # one searcher interleave their seeks and read garbage (a broken pickle, a truncated zlib
    # stream), so the threads of a worker take turns at a view.
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The stored titles as a column, opened on first use: opening it reads every segment's
    # offsets (about 15 ms at 100,000 records), too much to do again for each search.
    title_column: object | None = None
    site_column: object | None = None
    # Everyday words → official terms (indexer.plain_language), looked for at query time,
    # and which official terms some record of this view holds.
    plain: PlainLanguage | None = None
    plain_held: dict[str, bool] = field(default_factory=dict)
    # Queries as parsed and rewritten (several steps of one search, and its card, ask again).
    parsed: dict[str, Rewritten] = field(default_factory=dict)


class IndexReader:
    """The searcher, segmenter and lexicon of the live generation, refreshed as the indexer
    commits."""

    def __init__(
        self,
        root: Path,
        refresh_seconds: float = 1.0,
        synonyms: Path | None = None,
        plain_language: Path | None = None,
        lexicon_in_background: bool = False,
    ) -> None:
        """``lexicon_in_background``: a lexicon a run rewrote is loaded by a thread while the
        view keeps the one it has (a service); else before the next search (tests, tools)."""
        self.generations = Generations(root)
        self._lexicon_loads = BackgroundLoad() if lexicon_in_background else None
        self.refresh_seconds = refresh_seconds
        self.synonyms_path = synonyms
        self.plain_language_path = plain_language
        self._plain: PlainLanguage | None = None
        self._lock = threading.Lock()
        self._view: View | None = None
        self._lexicon_stamp: float | None = None
        self._synonyms: Synonyms | None = None
        self._facets = FacetCounter(FACET_FIELDS)
        self._postings = PostingCache()
        self._ranker = Ranker(self._postings)
        self._checked = 0.0
        self.problem: str | None = None  # why the live generation could not be opened
        # Why the indexer's last run failed its checks (Generations.problem), until one passes.
        self.indexer_problem: str | None = None

    @property
    def generation(self) -> int | None:
        return self._view.generation if self._view else None

    @contextmanager
    def open(self) -> Iterator[View]:
        with self._lock:
            self._maybe_refresh()
            view = self._view
        with view.lock:
            yield view

    def _maybe_refresh(self) -> None:
        now = time.monotonic()
        if self._view is not None and now - self._checked < self.refresh_seconds:
            return
        self._checked = now
        self.indexer_problem = self.generations.problem()
        number = self.generations.current()
        if number is None:
            raise IndexUnavailable("the index has not been built yet: run `zhanqun index`")
        view = self._view
        try:
            if view is None or view.generation != number:
                self._view = self._open(number, view.segmenter if view else None)
            elif not view.searcher.up_to_date():
                # A fresh searcher, not Whoosh's refresh(): refresh reuses the reader of a
                # segment by its id and so misses deletions committed to that segment.
                self._view = self._open(number, view.segmenter)
            elif self._lexicon_changed(number):
                self._view = self._open(number, view.segmenter, view.searcher)
        except Exception as error:
            # Damaged files (indexer.engine.integrity): say so where operators look — /healthz,
            # /readyz, the log — and go on serving the view already open, if there is one.
            problem = f"cannot open index generation {number}: {type(error).__name__}"
            if problem != self.problem:
                log.error("%s; serving %s", problem, self.generation or "nothing")
            self.problem = problem
            if self._view is None:
                raise IndexUnavailable(f"cannot open index generation {number}") from error
        else:
            self.problem = None

    def _lexicon_changed(self, number: int) -> bool:
        try:
            stamp = (self.generations.path(number) / LEXICON).stat().st_mtime
        except FileNotFoundError:
            stamp = None
        if stamp == self._lexicon_stamp:
            return False
        # Loaded in the background: a new view only once it is there.
        loads = self._lexicon_loads
        return loads is None or stamp is None or loads.ready(self.generations.path(number), stamp)

    def _open(
        self, number: int, segmenter: Segmenter | None, searcher: Searcher | None = None
    ) -> View:
        if self._synonyms is None:
            self._synonyms = Synonyms.load(self.synonyms_path)
        if self._plain is None:
            self._plain = PlainLanguage.load(self.plain_language_path)
        if segmenter is None:
            # Exactly the index's words (the generation's dictionary, added below): a word the
            # documents were not segmented with would never match them as one token.
            segmenter = Segmenter()
        segmenter.add_words(self.generations.read_dictionary(number))
        if searcher is None:
            searcher = self.generations.open(number).searcher(weighting=RecencyBM25F())
            self._ranker.retain(_segment_ids(searcher))
            if self._view is not None and self._view.generation == number:
                _keep_stored_readers(self._view.searcher, searcher)
        path = self.generations.path(number) / LEXICON
        stamp = path.stat().st_mtime if path.exists() else None
        previous = self._view
        if (
            previous is not None
            and previous.generation == number
            and stamp is not None
            and stamp == self._lexicon_stamp
        ):
            # A commit the lexicon has not followed yet (it is recounted after the run):
            # loading it again takes seconds at a city's scale (3.8 s at 100,000 records).
            lexicon = previous.lexicon
        elif (
            previous is not None
            and previous.generation == number
            and stamp is not None
            and self._lexicon_loads is not None
        ):
            lexicon = self._lexicon_loads.take(path.parent, stamp)
            if lexicon is None:  # still loading: the view keeps the one it has meanwhile
                lexicon, stamp = previous.lexicon, self._lexicon_stamp
        else:
            lexicon = Lexicon.load(self.generations.path(number))
        self._lexicon_stamp = stamp
        expander = Expander(segmenter, self._synonyms, lexicon)
        official = segmenter.official_words()
        results = ResultCache(RESULT_CACHE_SIZE)
        view = View(
            searcher,
            segmenter,
            lexicon,
            expander,
            number,
            official,
            self._facets,
            results,
            self._ranker,
            plain=self._plain,
        )
        if previous is not None and previous.searcher is searcher:
            # The lock guards the searcher: a view made for a new lexicon over the same
            # searcher with a lock of its own let a search still in the old view read its
            # posting files at the same time as one in the new (a phrase's positions came back
            # short: IndexError, 171 times in a soak at 335,000 records).
            view.lock = previous.lock
        return view

    def close(self) -> None:
        with self._lock:
            if self._view is not None:
                self._view.searcher.close()
                self._view = None


def _keep_stored_readers(old: Searcher, new: Searcher) -> None:
    """Hand the stored-fields readers of the segments a commit left alone to the searcher
    that replaces ``old``: opening one reads the offsets of every document in its segment
    (30 ms a segment at 100,000 records), and the first hits of a new view read them again
    for every segment, after every commit. Stored fields never change in a segment."""
    kept = {}
    for leaf, _offset in old.leaf_searchers():
        reader = leaf.reader()
        stored = getattr(getattr(reader, "_perdoc", None), "_readers", {}).get("_stored")
        if stored is not None and reader.segment() is not None:
            kept[reader.segment().segment_id()] = stored
    for leaf, _offset in new.leaf_searchers():
        reader = leaf.reader()
        readers = getattr(getattr(reader, "_perdoc", None), "_readers", None)
        segment = reader.segment()
        if readers is not None and segment is not None and segment.segment_id() in kept:
            readers.setdefault("_stored", kept[segment.segment_id()])


def _segment_ids(searcher: Searcher) -> set[str]:
    segments = (leaf.reader().segment() for leaf, _offset in searcher.leaf_searchers())
    return {segment.segment_id() for segment in segments if segment is not None}


class ResultCache:
    """Results of recent searches on one view of the index.

    A citizen's searches repeat (a few hot queries are most of the traffic), and a result
    cannot go stale: each commit the worker picks up opens a new view with an empty cache.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._results: OrderedDict[tuple, SearchResult] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple) -> SearchResult | None:
        with self._lock:
            found = self._results.get(key)
            if found is not None:
                self._results.move_to_end(key)
            return found

    def put(self, key: tuple, result: SearchResult) -> None:
        with self._lock:
            self._results[key] = result
            while len(self._results) > self.size:
                self._results.popitem(last=False)


def _cache_key(request: SearchRequest) -> tuple:
    return tuple(_hashable(value) for value in astuple(request))


def _hashable(value):
    if isinstance(value, dict):
        return tuple(sorted((key, _hashable(v)) for key, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(value)
    return value


def search(reader: IndexReader, request: SearchRequest) -> SearchResult:
    """Run one search (or answer it from the view's cache of recent results)."""
    with reader.open() as view:
        key = _cache_key(request)
        cached = view.results.get(key)
        if cached is not None:
            return cached
        result = _search(view, request)
        view.results.put(key, result)
        return result


def warm(reader: IndexReader, seconds: float = 10.0) -> int:
    """Open the live generation and make the searches a first visitor makes (the words most
    titles hold, ranked and newest first, with facets), so that what a process reads once —
    the lexicon, each segment's field lengths, facet columns, stored fields and posting
    arrays — is read before a worker takes requests, not by its first ones while the others
    queue behind them. No search is started once ``seconds`` have passed (gunicorn kills a
    worker that has not started within its timeout). Return the generation warmed;
    :class:`IndexUnavailable` when there is none."""
    deadline = time.monotonic() + seconds
    with reader.open() as view:
        words = view.lexicon.most_titled(3)
        generation = view.generation
    if not words:
        return generation
    first, others = words[0], " ".join(words[1:])
    newest = SearchRequest(first, sort="newest")
    for request in (SearchRequest(first), SearchRequest(others), newest):
        if time.monotonic() >= deadline:
            break
        search(reader, request)
    return generation


def _search(view: View, request: SearchRequest) -> SearchResult:
    """What was typed is always searched, and its results stand whenever it finds any.

    A correction (pinyin respelled, a homophone typo fixed, a quoted span loosened) replaces
    them only when what was typed finds nothing, or when the word it fixes occurs nowhere in
    the index, so that every match of the query as typed misses it (公基金: no record holds
    it, only its pieces 公 and 基金) — and then only if the correction finds something.
    Otherwise a fix is at most offered (您是不是要找…). Whether a word is known is asked of the
    live index's own term statistics, never of a copy that may lag behind it. A query that
    finds nothing either way is relaxed (:func:`_relaxed`) and says which words it left out.
    """
    text = request.text
    if not request.correct or not text:
        return _run(view, text, request)
    result = _run(view, text, request)
    # With results, only fixes of whole words count (applied or offered): the stretches
    # across word boundaries are looked at only for a query that found nothing.
    fixes = (
        []
        if _has_letters(text)
        else typo_fixes(
            text,
            view.segmenter,
            view.lexicon,
            anywhere=not result.total,
            known=lambda word: _indexed(view, word),
        )
    )
    # An everyday phrase and its question words are no typo: the table matched them.
    parts = _plain_parts(view, text) if fixes else []
    fixes = [f for f in fixes if not any(f.typed in part for part in parts)]
    if result.total:
        for fix in fixes[:MAX_TRIED]:
            if not _occurs(view, fix.typed, result) and _indexed(view, fix.fixed):
                fixed = _run(view, fix.text, request)
                if fixed.total:
                    return _corrected(fixed, fix.text, text, "typo")
        offer = _offer(view, text, fixes, request)
        if offer is not None:
            result.correction = Correction(offer, text, "typo", applied=False)
        return result
    for query, kind in _alternatives(view, text, fixes, request):
        found = _run(view, query, request)
        if found.total:
            return _corrected(found, query, text, kind)
    relaxed = _relaxed(view, text, request)
    return relaxed if relaxed is not None else result


MAX_TRIED = 5
"""Corrections of a query tried by what they find, at most."""


def _has_letters(text: str) -> bool:
    return any("a" <= ch <= "z" for ch in text.lower())


def _occurs(view: View, text: str, result: SearchResult) -> bool:
    """Whether ``text`` (folded) is a word of the index, or is held as typed by a record the
    query as typed found: a query word that no record holds is a typo its matches miss.
    Looking in the first page's records, not phrase-matching the whole index, keeps this to
    a few milliseconds; a record holding the text ranks there (the typed words together)."""
    reader = view.searcher.reader()
    if any(reader.doc_frequency(f, text) for f in TEXT_FIELDS):
        return True
    for hit in result.hits:
        stored = view.searcher.document(key=hit.key) or {}
        if text in fold(f"{stored.get('title', '')} {stored.get('body', '')}"):
            return True
    return False


def _indexed(view: View, word: str) -> bool:
    reader = view.searcher.reader()
    return any(reader.doc_frequency(f, word) for f in TEXT_FIELDS)


TITLE_ONLY = {"title": 1.0}


def _count(
    view: View, text: str, request: SearchRequest, boosts: dict[str, float] | None = None
) -> int:
    """How many records a query finds within the request's filters, without ranking them;
    ``boosts`` names the fields looked in (title and body by default)."""
    return _count_parsed(view, _parse(view, text).parsed, request, boosts)


def _count_parsed(
    view: View, parsed: ParsedQuery, request: SearchRequest, boosts: dict[str, float] | None = None
) -> int:
    built = _builder(view, boosts=boosts).build(parsed)
    counted = _restricted(built.match, request)
    postings = view.ranker.postings
    return sum(
        len(matching_docs(counted, leaf, postings)) for leaf, _ in view.searcher.leaf_searchers()
    )


def _offer(view: View, text: str, fixes: list[Fix], request: SearchRequest) -> str | None:
    """A fix worth suggesting beside results of the query as typed: one that replaces a
    whole word as typed, and finds something."""
    words = {w.text for w in view.segmenter.query_words(text)}
    for fix in fixes[:2]:
        if fix.typed in words and _count(view, fix.text, request):
            return fix.text
    return None


def _alternatives(
    view: View, text: str, fixes: list[Fix], request: SearchRequest
) -> Iterator[tuple[str, str]]:
    """What to try, in order, for a query that found nothing: its pinyin read as words, its
    likeliest typo fixed, a quoted span as loose words."""
    reader = view.searcher.reader()

    def indexed(word: str) -> bool:
        return any(reader.doc_frequency(f, word) for f in TEXT_FIELDS)

    narrow = narrowing("title", view.searcher, view.ranker.postings)
    readings = respell_query(text, view.lexicon, view.official, indexed, narrow=narrow)
    # A reading whose words some title holds together is what was meant more often than one
    # whose words only meet in bodies (initials most of all: cqsjljd is 重庆市计量监督, a title,
    # not 重庆市交流决定); else the likeliest reading that finds anything.
    titled = next((r for r in readings if _count(view, r, request, TITLE_ONLY)), None)
    found = titled or next((r for r in readings if _count(view, r, request)), None)
    if found is not None:
        yield found, "pinyin"
    for fix in fixes[:MAX_TRIED]:
        if _count(view, fix.text, request):
            yield fix.text, "typo"
            break
    if '"' in text:
        # A quoted span cut out of a longer text may cut words in two; its words still count.
        yield " ".join(text.replace('"', " ").split()), "phrase"


def _corrected(result: SearchResult, query: str, original: str, kind: str) -> SearchResult:
    result.correction = Correction(query, original, kind)
    return result


def _builder(view: View, loose: bool = False, boosts: dict[str, float] | None = None):
    reader = view.searcher.reader()

    def known(fieldname: str, text: str) -> bool:
        return reader.doc_frequency(fieldname, text) > 0

    return QueryBuilder(view.segmenter, view.expander, known, boosts=boosts, loose=loose)


def _parse(view: View, text: str) -> Rewritten:
    """The query's clauses, its everyday phrases matched to the official terms the index
    holds (:mod:`indexer.plain_language`); as typed when none matches, or when the terms
    would take the query past its bound of words."""
    found = view.parsed.get(text)
    if found is None:
        found = _parse_anew(view, text)
        if len(view.parsed) >= RESULT_CACHE_SIZE:
            view.parsed.clear()
        view.parsed[text] = found
    return found


def _parse_anew(view: View, text: str) -> Rewritten:
    parsed = parse(text)
    if view.plain is None:
        return Rewritten(parsed, [], [])
    table = view.plain

    def find(part: str) -> list[Match]:
        found = table.match(part, view.segmenter, view.official)
        kept = (tuple(o for o in m.officials if _holds(view, o)) for m in found)
        return [replace(m, officials=held) for m, held in zip(found, kept, strict=True) if held]

    rewritten = rewrite(parsed, table, find)
    if rewritten.matches and _word_count(view, rewritten.parsed) > MAX_WORDS:
        return Rewritten(parsed, [], [])
    return rewritten


def official_terms(reader: IndexReader, text: str) -> list[str]:
    """The official terms of the everyday phrases a query holds (生孩子 → 生育登记), those
    some record holds, whether or not the query finds anything (what a service card is
    looked up by)."""
    try:
        with reader.open() as view:
            return _parse(view, text).officials
    except QueryTooComplex:
        return []


def _plain_parts(view: View, text: str) -> list[str]:
    """The parts of the query (as typed, folded) where everyday phrases were matched."""
    return [fold(part) for part in _parse(view, text).parts]


def _holds(view: View, term: str) -> bool:
    """Whether a record of the view holds every word of an official term: one no record
    holds is neither searched nor named (已为您匹配 a term that finds nothing would mislead).
    Remembered for the view, which a commit replaces."""
    held = view.plain_held.get(term)
    if held is None:
        try:
            held = _count_parsed(view, parse(term), SearchRequest()) > 0
        except QueryTooComplex:  # an operator's term longer than any query may be
            held = False
        if len(view.plain_held) >= RESULT_CACHE_SIZE:
            view.plain_held.clear()
        view.plain_held[term] = held
    return held


def _word_count(view: View, parsed: ParsedQuery) -> int:
    options = [a for c in parsed.clauses for a in (c.alternatives or [c])]
    return sum(len(view.segmenter.query_words(c.text)) for c in options)


def _run(view: View, text: str, request: SearchRequest) -> SearchResult:
    rewritten = _parse(view, text)
    parsed = rewritten.parsed
    built = _builder(view).build(parsed)
    ranked = not (request.sort == "newest" or parsed.empty)
    titled = _builder(view, boosts={"title": 1.0}).build(parsed).match if ranked else None
    result = _answer(view, built, request, ranked, titled)
    # 已为您匹配 only beside something found.
    result.matched = rewritten.officials if result.total else []
    return result


def _relaxed(view: View, text: str, request: SearchRequest) -> SearchResult | None:
    """A query that found nothing, relaxed: first each word of several leaves also matches
    its leaves apart; then, for a query of several parts, records holding all but one of
    them, which say which of the typed words they lack (缺少字词). None if that finds
    nothing either."""
    rewritten = _parse(view, text)
    parsed = rewritten.parsed
    if parsed.empty:
        return None
    builder = _builder(view, loose=True)
    built = builder.build(parsed)
    result = _answer(view, built, request, request.sort != "newest", None)
    result.matched = rewritten.officials
    if result.total:
        return result
    loosest = builder.all_but_one(parsed)
    if loosest is None:
        return None
    match, typed = loosest
    result = _answer(
        view, BuiltQuery(match, built.words, None), request, request.sort != "newest", None
    )
    if not result.total:
        return None
    for hit in result.hits:
        hit.missing = _missing(view, hit, typed, rewritten.matches)
    result.missing = list(dict.fromkeys(w for hit in result.hits for w in hit.missing))
    result.matched = rewritten.officials
    return result


def _missing(view: View, hit: "Hit", typed: list[str], plain: Sequence[Match] = ()) -> list[str]:
    """The typed words a record lacks: neither the word, nor its leaves, nor any of its
    alternatives is in the record's text; an everyday phrase (``plain``) is not lacking
    where the record holds one of its official terms."""
    stored = view.searcher.document(key=hit.key) or {}
    text = fold(f"{stored.get('title', '')} {stored.get('body', '')}")

    def held(word: QueryWord) -> bool:
        options = [word.text, *(a.text for a in view.expander(word))]
        return any(o in text for o in options) or all(leaf in text for leaf in word.leaves)

    def all_held(phrase: str) -> bool:
        return all(held(word) for word in view.segmenter.query_words(phrase))

    officials = {m.typed: m.officials for m in plain}
    lacking = []
    for typed_word in typed:
        options = [fold(typed_word).replace('"', " "), *officials.get(typed_word, ())]
        if not any(all_held(option) for option in options):
            lacking.append(typed_word)
    return lacking


def _restricted(match: q.Query, request: SearchRequest) -> q.Query:
    """The query within the request's filters and without its excluded sites."""
    filters = _filters(request)
    if filters is not None:
        match = q.And([match, filters])
    if request.exclude_sites:
        match = q.AndNot(match, q.Or([q.Term("site", s) for s in request.exclude_sites]))
    return match


def _answer(
    view: View,
    built: BuiltQuery,
    request: SearchRequest,
    ranked: bool,
    titled: q.Query | None,
) -> SearchResult:
    """One page of a built query's results, its total and its facets.

    Ranked, records whose titles hold every typed word (``titled``) come first — by title
    phrase as typed, then score — so that a remembered title is not pushed off the first
    page by newer records that only mention its words.
    """
    query, words = built.match, built.words
    view.searcher.weighting.at(datetime.now())
    counted = _restricted(built.match, request)
    end = request.page * request.page_size
    limit = max(end, RERANK if ranked else 0)
    # Every match, filters and exclusions applied: one set per segment, for the ranking,
    # the total and the facets alike.
    postings = view.ranker.postings
    leaves = view.searcher.leaf_searchers()
    matches = [matching_docs(counted, leaf, postings) for leaf, _ in leaves]

    ranking = _Ranking(view, query, matches, titled, built.phrase) if ranked else None

    def best(limit: int) -> list[tuple[float, int]]:
        if ranking is not None:
            return ranking.best(limit)
        return [(0.0, docnum) for docnum in _newest(view, matches, limit)]

    start = (request.page - 1) * request.page_size
    if request.collapse:
        hits = _collapsed(view, best, max(limit, end * COLLAPSE_WINDOW), request, words, ranked)
    else:
        hits = [
            _hit(view, docnum, words, score if ranked else 0.0)
            for score, docnum in best(limit)[start:end]
        ]
    total, counts = view.facets.count(view.searcher, matches, request.facets)
    facets = {
        name: dict(sorted(values.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, values in counts.items()
    }
    return SearchResult(total, hits, facets, view.generation)


MAX_SIMILAR = 3
"""Folded copies listed under a hit, at most (each is a stored record read: 10 cost bench.scale
--quick's typical p95 about 5 ms, its corpus repeating titles across sites); the rest counted."""
COLLAPSE_WINDOW = 2
"""Folding look-alikes ranks this many times a page's end first, more only if it must."""
MAX_COLLAPSE_WINDOW = 4 * MAX_DEPTH


def _collapsed(view: View, best, window: int, request: SearchRequest, words, ranked: bool):
    """The page's hits with look-alike titles of other sites folded into them: pages are
    counted in groups, from a ranking long enough to fill the page."""
    start = (request.page - 1) * request.page_size
    end = request.page * request.page_size
    titles, sites = _titles(view), _sites(view)
    while True:
        scored = best(window)
        groups = collapse(
            scored, titles.__getitem__, sites.__getitem__, request.collapse, request.near
        )
        if len(groups) >= end or len(scored) < window or window >= MAX_COLLAPSE_WINDOW:
            break
        window *= 2
    hits = []
    for score, docnum, folded in groups[start:end]:
        hit = _hit(view, docnum, words, score if ranked else 0.0)
        hit.similar = [_hit(view, other, [], 0.0, snippet=False) for other in folded[:MAX_SIMILAR]]
        hit.similar_count = len(folded)
        hits.append(hit)
    return hits


class _Ranking:
    """The best matches of a search, those whose titles hold every typed word (``titled``)
    first; scored once, however far down folding look-alikes must look."""

    def __init__(
        self,
        view: View,
        query: q.Query,
        matches: list[set[int]],
        titled: q.Query | None,
        phrase: str | None,
    ) -> None:
        self.view = view
        self.query = query
        self.matches = matches
        self.first = _titled(view, titled, matches)
        self.phrase = phrase
        self._scored: dict[str, Scored] = {}

    def _part(self, name: str) -> Scored:
        """The scores of one part: ``all`` matches, the ``first`` or the ``rest``."""
        if name not in self._scored:
            if name == "all":
                sets = self.matches
            elif name == "first":
                sets = self.first
            else:
                sets = [ids - held for ids, held in zip(self.matches, self.first, strict=True)]
            view = self.view
            self._scored[name] = view.ranker.scored(view.searcher, self.query, sets)
        return self._scored[name]

    def best(self, limit: int) -> list[tuple[float, int]]:
        """The best ``limit`` matches, in the order the page shows them."""
        titles = _titles(self.view)
        if not any(self.first):
            scored = self._part("all").best(limit)
            return _prefer_titles_holding(scored, self.phrase, titles) if self.phrase else scored
        scored = self._part("first").best(limit)
        if self.phrase:
            scored = _prefer_titles_holding(scored, self.phrase, titles)
        if len(scored) < limit:
            scored += self._part("rest").best(limit - len(scored))
        return scored


def _titled(view: View, titled: q.Query | None, matches: list[set[int]]) -> list[set[int]]:
    """Of each segment's matches, those whose titles hold every typed word (none without
    ``titled``)."""
    if titled is None:
        return []
    postings = view.ranker.postings
    leaves = view.searcher.leaf_searchers()
    return [
        matching_docs(titled, leaf, postings) & ids if ids else set()
        for (leaf, _), ids in zip(leaves, matches, strict=True)
    ]


def _newest(view: View, matches: list[set[int]], limit: int) -> list[int]:
    """Document numbers of the newest ``limit`` matches: by year, then publication time,
    newest first, then by document number — the order Whoosh's sorting collector gives for
    ``MultiFacet([FieldFacet("year", reverse=True), FieldFacet("published", reverse=True)])``,
    read here from the segments' kept columns instead of key by key through its categorizers
    for every match. By year first: undated records (year "") go last instead of first.
    """
    postings = view.ranker.postings
    leaves = [
        (leaf.reader(), offset, ids)
        for (leaf, offset), ids in zip(view.searcher.leaf_searchers(), matches, strict=True)
        if ids
    ]
    keys = [
        (postings.year_array(reader), postings.column_array(reader, "published"))
        for reader, _offset, _ids in leaves
    ]
    if leaves and all(years is not None and dates is not None for years, dates in keys):
        # The same order from the columns as numbers, sorted by numpy (one year, one time
        # and one document number a match instead of a Python tuple).
        docs = [doc_ids(ids) for _reader, _offset, ids in leaves]
        years = np.concatenate([y[d] for (y, _), d in zip(keys, docs, strict=True)])
        dates = np.concatenate([p[d] for (_, p), d in zip(keys, docs, strict=True)])
        docnums = np.concatenate(
            [d + offset for (_, offset, _), d in zip(leaves, docs, strict=True)]
        )
        order = np.lexsort((docnums, ~dates, -years))[:limit]
        return docnums[order].tolist()
    dated = []
    for reader, offset, ids in leaves:
        years = postings.column(reader, "year")
        published = postings.column(reader, "published")
        dated.extend((years[d], published[d], -(offset + d)) for d in ids)
    return [-negated for _year, _published, negated in heapq.nlargest(limit, dated)]


def _titles(view: View):
    """The view's title column (threads take turns at a view, see :attr:`View.lock`)."""
    if view.title_column is None:
        view.title_column = view.searcher.reader().column_reader("title")
    return view.title_column


def _sites(view: View):
    """The view's site column, like :func:`_titles`."""
    if view.site_column is None:
        view.site_column = view.searcher.reader().column_reader("site")
    return view.site_column


def _prefer_titles_holding(scored: list[tuple[float, int]], phrase: str, titles) -> list:
    """Among the best matches, titles holding the typed words together, as typed, go first.

    Checked on the stored titles of the top ``RERANK`` results rather than as a phrase query
    over every match, which would compare positions in thousands of records per search.
    """
    head = [
        (score * TITLE_PHRASE_FACTOR if phrase in fold(titles[docnum]) else score, docnum)
        for score, docnum in scored[:RERANK]
    ]
    head.sort(key=lambda pair: -pair[0])
    return head + scored[RERANK:]


def _filters(request: SearchRequest) -> q.Query | None:
    parts: list[q.Query] = []
    for fieldname, values in (
        ("site", request.sites),
        ("tier", request.tiers),
        *request.filters.items(),
    ):
        if values:
            parts.append(q.Or([q.Term(fieldname, v) for v in values]))
    if request.branch:
        parts.append(q.Term("branch", request.branch))
    if request.published_from or request.published_to:
        parts.append(q.DateRange("published", request.published_from, request.published_to))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else q.And(parts)


def _hit(
    view: View, docnum: int, words: list[QueryWord], score: float, snippet: bool = True
) -> Hit:
    """A result as the API shows it; ``score`` is 0 when sorted by a field (Whoosh's "score"
    is then the sort key, beyond 64 bits when reversed)."""
    segmenter = view.segmenter
    stored = view.searcher.stored_fields(docnum)
    return Hit(
        key=stored["key"],
        site=stored.get("site", ""),
        site_name=stored.get("site_name", ""),
        tier=stored.get("tier", ""),
        title=highlight(segmenter, stored.get("title", ""), words, width=0)
        if words
        else html.escape(stored.get("title", ""), quote=False),
        snippet=highlight(segmenter, stored.get("body", ""), words) if snippet else "",
        url=stored.get("url", ""),
        published=stored.get("published"),
        column=stored.get("column", ""),
        doc_type=stored.get("doc_type", ""),
        disclosure=stored.get("disclosure") or {},
        score=score,
    )
