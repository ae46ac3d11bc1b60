"""A worker warms the index before it takes requests (indexer.engine.searching.warm): it
opens the live generation and makes a first visitor's searches, within a time budget."""

import pytest

from indexer.engine.searching import IndexReader, warm
from indexer.search_types import IndexUnavailable
from tests.conftest import record


def _cached(reader: IndexReader) -> list:
    """The results the reader's view holds, oldest first."""
    with reader.open() as view:
        return list(view.results._results.values())


def test_warming_opens_the_generation_and_makes_a_first_visitors_searches(zq):
    zq.push(
        "530500",
        *[record(f"g{i}", f"住房公积金提取通知{i}", "办理住房公积金提取") for i in range(5)],
    )
    zq.push("530500", record("h1", "养老保险缴费标准", "城乡居民养老保险"))
    zq.index()
    reader = IndexReader(zq.config.index_dir)
    assert reader.generation is None
    assert warm(reader) == 1
    assert reader.generation == 1
    # Words most titles hold (those of the five 公积金 records, not the one 养老 record),
    # ranked and newest first: each found the five.
    searched = _cached(reader)
    assert [result.total for result in searched] == [5, 5, 5]
    assert all(hit.key.startswith("530500/g") for r in searched for hit in r.hits)
    reader.close()


def test_warming_stops_searching_when_its_time_is_up_and_says_when_there_is_no_index(zq):
    with pytest.raises(IndexUnavailable):
        warm(IndexReader(zq.config.index_dir))
    zq.push("530500", record("g1", "住房公积金提取通知", "办理住房公积金提取"))
    zq.index()
    reader = IndexReader(zq.config.index_dir)
    assert warm(reader, seconds=0) == 1
    assert reader.generation == 1 and _cached(reader) == []
    reader.close()
