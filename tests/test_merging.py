"""A commit merges at most one tier of small segments, up to a bound, never the large ones:
Whoosh's default merges every segment of an index once it holds about 24."""

import pytest
from whoosh import index as whoosh_index

from indexer.engine import building, merging
from indexer.engine.generations import Generations
from indexer.engine.merging import MERGE_LIMIT, choose
from tests.conftest import record


def test_the_smallest_full_tier_is_merged_up_to_the_limit_and_large_segments_never():
    # The reference index after a soak: no tier of four below the limit, nothing to merge
    # (Whoosh's default merged all 24 segments, 451,576 documents).
    soaked = [26, 1000, 2000, 2000, 2550, 8000, 10000, 17500, 17500, 22000] + [25000] * 13
    assert choose([*soaked, 42000]) == []
    assert choose([3, 5, 6, 7, 9, 300]) == [1, 2, 3, 4]  # 5–9: one tier, four of them
    assert choose([1, 2, 3, 5, 6]) == []  # 1–3 and 5–6: no tier of four
    assert choose([2, 1, 3, 2, 500, 1]) == [0, 1, 2, 3, 5]
    # A full tier beyond the limit: the smallest of it, as many as fit.
    near = MERGE_LIMIT // 3
    assert choose([near + 3, near + 1, near + 2, near]) == [1, 3]
    assert choose([MERGE_LIMIT] * 8) == []


@pytest.fixture
def commits_of_ten(monkeypatch):
    """A run commits every 10 changes (it reads the feed 10 at a time)."""
    monkeypatch.setattr(building, "BATCH", 10)


def test_an_indexer_run_of_many_commits_never_merges_past_the_limit(
    zq, monkeypatch, commits_of_ten
):
    monkeypatch.setattr(merging, "MERGE_LIMIT", 40)
    zq.push("530500", *[record(f"r{i}", f"通知第{i}号", "住房公积金提取") for i in range(300)])
    zq.index(commit_every=10)
    generations = Generations(zq.config.index_dir)
    ix = whoosh_index.open_dir(str(generations.path(generations.current())))
    sizes = sorted(segment.doc_count_all() for segment in ix._segments())
    ix.close()
    assert sum(sizes) == 300
    # A commit's segment: at most the merged 40 and its own 10 (Whoosh's default: one of 300).
    assert max(sizes) <= 50, sizes
    assert len(sizes) <= 300 // 10
    assert zq.search("住房公积金").total == 300


def test_with_nothing_to_merge_every_commit_is_its_own_segment(zq, monkeypatch, commits_of_ten):
    monkeypatch.setattr(merging, "MERGE_LIMIT", 0)
    zq.push("530500", *[record(f"r{i}", f"通知第{i}号", "住房公积金提取") for i in range(50)])
    zq.index(commit_every=10)
    generations = Generations(zq.config.index_dir)
    ix = whoosh_index.open_dir(str(generations.path(generations.current())))
    assert sorted(s.doc_count_all() for s in ix._segments()) == [10] * 5
    ix.close()
