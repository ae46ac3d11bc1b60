"""Posting arrays: the indexer decodes each new segment's common terms once and writes them
beside it; searches read them instead of decoding the segment's blocks, with the same answers."""

import os
import random
import signal
import time

import numpy as np
import pytest
from whoosh import index as whoosh_index
from whoosh import query as q

from indexer.analysis import Segmenter, index_with, tokenizer
from indexer.engine import posting_arrays, postings
from indexer.engine.generations import Generations
from indexer.engine.integrity import read_manifest, verify
from indexer.engine.matchsets import matching_docs
from indexer.engine.postings import PostingCache, decode, leaf_matcher
from indexer.engine.ranking import Ranker
from indexer.engine.schema import record_schema
from tests import processes
from tests.conftest import record

WORDS = ["住房公积金", "提取", "乡村振兴", "工作", "会议", "国务院", "通知", "发展", "经济", "教育"]
MIN = 20


@pytest.fixture
def folder(tmp_path):
    """An index on disk: three segments of random texts, one with deletions, some words in
    most records (many postings, repeated within a record) and some in few."""
    rng = random.Random(3)
    before = tokenizer._indexing
    index_with(Segmenter())
    ix = whoosh_index.create_in(str(tmp_path), record_schema())
    n = 0
    for size in (120, 90, 40):
        writer = ix.writer()
        for _ in range(size):
            n += 1
            words = rng.choices(WORDS, weights=range(len(WORDS), 0, -1), k=rng.randint(1, 40))
            writer.add_document(
                key=f"k{n}", title="".join(words[:3]), body="，".join(words), site="530500"
            )
        writer.commit(merge=False)
    writer = ix.writer()
    writer.delete_by_term("key", "k5")
    writer.commit(merge=False)
    ix.close()
    tokenizer._indexing = before
    return tmp_path


def _leaves(folder):
    ix = whoosh_index.open_dir(str(folder))
    return ix, ix.reader().leaf_readers()


def test_each_common_term_reads_back_as_the_search_would_decode_it(folder):
    assert posting_arrays.write_missing(folder, MIN, processes=2) == 3
    assert posting_arrays.write_missing(folder, MIN) == 0  # written once
    ix, leaves = _leaves(folder)
    checked = 0
    for reader, _offset in leaves:
        segment = reader.segment().segment_id()
        arrays = posting_arrays.open_arrays(folder, segment, reader.doc_count_all())
        assert arrays is not None
        for term in reader.all_terms():
            found = arrays.get(term)
            if reader.doc_frequency(*term) < MIN:
                assert found is None
                continue
            ids, weights = decode(leaf_matcher(reader.postings(*term)))
            assert found[0].dtype == ids.dtype and np.array_equal(found[0], ids)
            assert found[1].dtype == weights.dtype and np.array_equal(found[1], weights)
            checked += 1
    ix.close()
    assert checked > 20


def test_searches_answer_the_same_with_the_arrays_without_decoding_common_terms(
    folder, monkeypatch
):
    def answers():
        ix = whoosh_index.open_dir(str(folder))
        with ix.searcher() as searcher:
            cache = PostingCache()
            found = []
            for text in ("住房公积金", "提取", "乡村振兴"):
                query = q.And([q.Term("body", text), q.Term("site", "530500")])
                leaves = searcher.leaf_searchers()
                matches = [matching_docs(query, leaf, cache) for leaf, _ in leaves]
                ranked = Ranker(cache).scored(searcher, query, matches).best(50)
                found.append(([sorted(map(int, m)) for m in matches], ranked))
        ix.close()
        return found

    decoded = []
    real = postings.decode
    monkeypatch.setattr(postings, "decode", lambda m: decoded.append(m) or real(m))
    before = answers()
    assert decoded
    posting_arrays.write_missing(folder, MIN)
    decoded.clear()
    assert answers() == before
    assert decoded == []  # every term asked is common in every segment


def test_a_file_cut_short_or_of_another_segment_is_not_read(folder):
    posting_arrays.write_missing(folder, MIN)
    ix, leaves = _leaves(folder)
    reader = leaves[0][0]
    segment = reader.segment().segment_id()
    path = posting_arrays.path_of(folder, segment)
    count = reader.doc_count_all()
    assert posting_arrays.open_arrays(folder, segment, count + 1) is None
    path.write_bytes(path.read_bytes()[:-8])
    assert posting_arrays.open_arrays(folder, segment, count) is None
    path.write_bytes(b"not arrays")
    assert posting_arrays.open_arrays(folder, segment, count) is None
    ix.close()


def test_the_indexer_writes_them_for_new_segments_and_seals_them(zq, monkeypatch):
    monkeypatch.setattr(posting_arrays, "MIN_POSTINGS", 3)
    zq.push("530500", *[record(str(i), f"公积金提取通知{i}", "住房公积金提取") for i in range(12)])
    zq.index()
    zq.push("530500", *[record(f"b{i}", f"公积金缴存通知{i}", "住房公积金缴存") for i in range(6)])
    zq.index()
    generations = Generations(zq.config.index_dir)
    path = generations.path(generations.current())
    ix = whoosh_index.open_dir(str(path))
    segments = [s.segment_id() for s in ix._segments()]
    ix.close()
    assert len(segments) >= 1
    sealed = read_manifest(path)
    for segment in segments:
        assert f"{segment}{posting_arrays.SUFFIX}" in sealed
    assert verify(path) == []
    assert zq.search("住房公积金").total == 18


_write_segment = posting_arrays._write_segment


def _hang(folder, segment_id, min_postings):
    time.sleep(120)


def _killed_first(folder, segment_id, min_postings):
    """The first writer to take a segment is killed (the OOM killer's way); the others write."""
    try:
        os.close(os.open(folder / "killed", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        _write_segment(folder, segment_id, min_postings)
    else:
        os.kill(os.getpid(), signal.SIGKILL)


def test_writers_die_with_a_killed_indexer(folder, monkeypatch):
    monkeypatch.setattr(posting_arrays, "_write_segment", _hang)
    indexer = processes.fork(posting_arrays.write_missing, folder, MIN, 2)
    deadline = time.monotonic() + 30
    writers: set[int] = set()
    while len(writers) < 2 and time.monotonic() < deadline:
        writers = processes.children(of=indexer.pid)
        time.sleep(0.02)
    assert len(writers) == 2, "the two writers never started"
    os.kill(indexer.pid, signal.SIGKILL)
    indexer.join()
    assert not processes.running(writers), "writers outlived the killed indexer"


def test_a_killed_writer_leaves_its_segments_to_the_next_run_and_fails_nothing(folder, monkeypatch):
    stale = folder / f".stale{posting_arrays.SUFFIX}.tmp"
    stale.write_bytes(b"half")  # as a writer killed mid-file leaves it
    monkeypatch.setattr(posting_arrays, "_write_segment", _killed_first)
    with processes.no_strays():
        written = posting_arrays.write_missing(folder, MIN, processes=2)
    assert written < 3
    assert not stale.exists()
    monkeypatch.undo()
    assert posting_arrays.write_missing(folder, MIN) == 3 - written
    assert posting_arrays.write_missing(folder, MIN) == 0
