"""Counting by sets and ranking over known matches give exactly what Whoosh's matchers give:
the same matches, the same scores, the same order of equal scores."""

import random
from datetime import datetime, timedelta

import pytest
from whoosh import collectors
from whoosh import query as q
from whoosh.filedb.filestore import RamStorage

from indexer.analysis import Segmenter, index_with, tokenizer
from indexer.engine import ranking
from indexer.engine.matchsets import matching_docs
from indexer.engine.postings import PostingCache
from indexer.engine.querying import QueryBuilder, parse
from indexer.engine.ranking import Ranker
from indexer.engine.schema import record_schema
from indexer.engine.scoring import RecencyBM25F

WORDS = ["住房公积金", "提取", "乡村振兴", "工作", "会议", "国务院", "通知", "发展", "经济", "教育"]
QUERIES = [
    "工作",
    "乡村振兴 发展",
    "国务院 通知 工作",
    "经济 -教育",
    "住房公积金 OR 乡村振兴",
    '"乡村振兴" 会议',
    "税",
]


@pytest.fixture(scope="module")
def searcher():
    """Three segments, a few deletions, dated and undated records, repeated texts (ties)."""
    rng = random.Random(7)
    before = tokenizer._indexing
    index_with(Segmenter())
    ix = RamStorage().create_index(record_schema())
    now = datetime(2026, 1, 1)
    n = 0
    for _ in range(3):
        writer = ix.writer()
        for _ in range(150):
            n += 1
            words = rng.choices(WORDS, k=rng.randint(2, 12))
            dated = rng.random() < 0.8
            writer.add_document(
                key=f"k{n}",
                title="".join(words[:3]),
                body="，".join(words) + ("税务" if n % 7 == 0 else ""),
                published=now - timedelta(days=rng.randint(0, 3000)) if dated else None,
                year="2025",
                site="530500",
            )
        writer.commit(merge=False)
    writer = ix.writer()
    for key in ("k3", "k160", "k301"):
        writer.delete_by_term("key", key)
    writer.commit(merge=False)
    tokenizer._indexing = before
    found = ix.searcher(weighting=RecencyBM25F().at(now))
    assert len(found.leaf_searchers()) > 1
    yield found
    found.close()


def _built(searcher, text: str):
    reader = searcher.reader()
    segmenter = Segmenter()
    return QueryBuilder(segmenter, known=lambda f, t: reader.doc_frequency(f, t) > 0).build(
        parse(text)
    )


@pytest.mark.parametrize("text", QUERIES)
def test_match_sets_are_the_matchers_matches(searcher, text):
    query = _built(searcher, text).match
    postings = PostingCache()
    for leaf, _offset in searcher.leaf_searchers():
        expected = set(query.matcher(leaf).all_ids())
        assert matching_docs(query, leaf, postings) == expected  # postings read
        assert matching_docs(query, leaf, postings) == expected  # postings kept


@pytest.mark.parametrize("text", QUERIES)
@pytest.mark.parametrize("limit", [1, 10, 30])
@pytest.mark.parametrize("lookup", ["scan", "bisect"])
def test_ranking_is_whooshs_top_collector(searcher, text, limit, lookup, monkeypatch):
    monkeypatch.setattr(ranking, "_BISECT_RATIO", 10**9 if lookup == "scan" else 0)
    query = _built(searcher, text).match
    postings = PostingCache(budget=50)  # small: entries are evicted and read again
    matches = [matching_docs(query, leaf, postings) for leaf, _ in searcher.leaf_searchers()]
    collector = collectors.TopCollector(limit=limit, replace=0)
    searcher.search_with_collector(query, collector)
    expected = [(hit.score, hit.docnum) for hit in collector.results()]
    assert Ranker(postings).scored(searcher, query, matches).best(limit) == expected


@pytest.mark.parametrize("text", QUERIES)
def test_a_ranking_scored_once_answers_each_depth_as_a_fresh_one(searcher, text):
    """Folding look-alikes looks further down a ranking (30, then 60, …) without scoring its
    matches again: each depth is what Whoosh's collector gives at that depth."""
    query = _built(searcher, text).match
    postings = PostingCache()
    matches = [matching_docs(query, leaf, postings) for leaf, _ in searcher.leaf_searchers()]
    scored = Ranker(postings).scored(searcher, query, matches)
    for limit in (5, 30, 60, 120, 500):
        collector = collectors.TopCollector(limit=limit, replace=0)
        searcher.search_with_collector(query, collector)
        assert scored.best(limit) == [(hit.score, hit.docnum) for hit in collector.results()]


@pytest.mark.parametrize(
    ("start", "end", "excl"),
    [
        (datetime(2020, 1, 1), None, False),
        (None, datetime(2022, 6, 30), False),
        (datetime(2019, 3, 1), datetime(2024, 12, 31, 23, 59, 59), False),
        (datetime(2019, 3, 1), datetime(2024, 12, 31), True),
        (datetime(2030, 1, 1), None, False),
    ],
)
def test_date_ranges_from_the_column_match_the_range_terms(searcher, start, end, excl):
    query = q.DateRange("published", start, end, startexcl=excl, endexcl=excl)
    both = q.And([_built(searcher, "工作").match, query])
    postings = PostingCache()
    for leaf, _offset in searcher.leaf_searchers():
        for tested in (query, both):
            expected = set(tested.matcher(leaf).all_ids())
            assert matching_docs(tested, leaf, postings) == expected
