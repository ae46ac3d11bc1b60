"""A phrase's records in a segment are found from positions once, and kept by segment: the
same search ranking after matching, and searches after a commit that left the segment as it
was, do not read its positions again; the commit's deletions still hide records."""

import numpy as np
import pytest
from whoosh import query as q
from whoosh.filedb.filestore import RamStorage

from indexer.analysis import Segmenter, index_with, tokenizer
from indexer.engine import matchsets
from indexer.engine.matchsets import phrase_mask
from indexer.engine.postings import PostingCache
from indexer.engine.schema import record_schema

PHRASE = q.Phrase("body", ["提取", "业务"])


@pytest.fixture
def index():
    """Two segments: the phrase in a row in some records, its words apart in others."""
    before = tokenizer._indexing
    index_with(Segmenter())
    ix = RamStorage().create_index(record_schema())
    for segment in range(2):
        writer = ix.writer()
        for n in range(40):
            body = "办理公积金提取业务" if n % 3 == 0 else "业务提取和办理"
            writer.add_document(key=f"k{segment}-{n}", title=f"通知{n}", body=body, site="530500")
        writer.commit(merge=False)
    yield ix
    tokenizer._indexing = before


def _found(searcher, postings: PostingCache) -> set[str]:
    keys = set()
    for leaf, _offset in searcher.leaf_searchers():
        for docnum in np.flatnonzero(phrase_mask(PHRASE, leaf, postings)).tolist():
            keys.add(leaf.stored_fields(docnum)["key"])
    return keys


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The segments whose positions are read."""
    read: list[str] = []
    positions = matchsets._positions

    def counted(reader, *args):
        read.append(reader.segment().segment_id())
        return positions(reader, *args)

    monkeypatch.setattr(matchsets, "_positions", counted)
    return read


def test_a_segments_phrase_is_read_once_and_a_commits_deletions_still_apply(index, reads):
    postings = PostingCache()
    searcher = index.searcher()
    expected = {f"k{s}-{n}" for s in range(2) for n in range(0, 40, 3)}
    whoosh = {hit["key"] for hit in searcher.search(PHRASE, limit=None)}
    assert _found(searcher, postings) == whoosh == expected
    assert len(reads) == 4  # two words in each of two segments
    assert _found(searcher, postings) == expected
    assert len(reads) == 4  # asked again (ranking after matching): kept
    first, second = (leaf.reader().segment().segment_id() for leaf, _ in searcher.leaf_searchers())

    writer = index.writer()
    writer.delete_by_term("key", "k0-3")  # in the first segment, which stays as it is
    writer.add_document(key="k2-0", title="通知", body="提取业务", site="530500")
    writer.commit(merge=False)
    searcher = index.searcher()
    whoosh = {hit["key"] for hit in searcher.search(PHRASE, limit=None)}
    assert _found(searcher, postings) == whoosh == expected - {"k0-3"} | {"k2-0"}
    assert first not in reads[4:] and second not in reads[4:]  # only the new segment is read
    assert len(reads) == 6


def test_a_phrase_of_other_words_or_another_field_is_not_taken_for_it(index, reads):
    postings = PostingCache()
    searcher = index.searcher()
    leaf = searcher.leaf_searchers()[0][0]
    assert phrase_mask(PHRASE, leaf, postings).sum() == 14
    assert phrase_mask(q.Phrase("body", ["业务", "提取"]), leaf, postings).sum() == 26
    assert phrase_mask(q.Phrase("title", ["提取", "业务"]), leaf, postings).sum() == 0
    assert phrase_mask(q.Phrase("body", ["办理", "业务"]), leaf, postings).sum() == 0
    assert phrase_mask(PHRASE, leaf, postings).sum() == 14
