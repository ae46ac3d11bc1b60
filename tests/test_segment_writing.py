"""The indexer's own segment writer writes what Whoosh's would: the same terms, postings,
statistics, stored fields, lengths and columns — for new documents, for segments merged at
commit, and for a rebuild written by several processes."""

import marshal
import multiprocessing
from pathlib import Path

import pytest
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

from exchange.demo import load_demo
from exchange.index_feed import IndexFeed
from exchange.store import Store
from indexer.analysis import Segmenter, cluster_words, index_with
from indexer.engine import building
from indexer.engine.schema import record_schema
from indexer.engine.segment_writing import MemorySegmentWriter
from indexer.lexicon import COUNTS, _segment_counts
from tests import processes
from tests.conftest import Cluster, record

SCHEMA_FIELDS = ("key", "site", "tier", "column", "doc_type", "year", "published", "title")


def _documents(store: Store) -> list[dict]:
    feed = IndexFeed(store)
    index_with(Segmenter(cluster_words(feed.cluster_names())))
    docs = [building._fields(change) for change in feed.changes_after(0, 10_000) if change.live]
    # What the demo lacks: a word met many times in one document, traditional and full-width
    # forms, Latin and digits, an empty body.
    docs.append(
        building._fields(feed.changes_after(0, 1)[0])
        | {
            "key": "x/1",
            "title": "國務院辦公廳 ＣＯＶＩＤ－１９",
            "body": "安全 安全 安全生产 PM2.5 5G " * 40,
        }
    )
    docs.append(building._fields(feed.changes_after(0, 1)[0]) | {"key": "x/2", "body": ""})
    return docs


def _contents(path: Path) -> dict:
    """Everything a search can read from an index, document numbers included."""
    index = whoosh_index.open_dir(str(path))
    with index.reader() as reader:
        postings = {}
        for fieldname, term in reader.all_terms():
            info = reader.term_info(fieldname, term)
            matcher = reader.postings(fieldname, term)
            found = []
            while matcher.is_active():
                found.append((matcher.id(), matcher.weight(), matcher.value()))
                matcher.next()
            stats = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length())
            postings[(fieldname, term)] = (stats, info.max_weight(), found)
        docs = list(reader.all_doc_ids())
        lengths = {
            (name, n): reader.doc_field_length(n, name) for n in docs for name in ("title", "body")
        }
        columns = {
            name: list(reader.column_reader(name))
            for name in SCHEMA_FIELDS
            if reader.has_column(name)
        }
        stored = [reader.stored_fields(n) for n in docs]
        totals = {name: reader.field_length(name) for name in ("title", "body")}
    index.close()
    return {"postings": postings, "lengths": lengths, "columns": columns, "stored": stored,
            "totals": totals, "docs": len(docs)}  # fmt: skip


def _write(path: Path, writer_class, batches: list[list[dict]], deletions=()) -> dict:
    path.mkdir()
    index = whoosh_index.create_in(str(path), record_schema())
    for number, batch in enumerate(batches):
        writer = writer_class(index)
        for key in deletions if number == len(batches) - 1 else ():
            writer.delete_by_term("key", key)
        for fields in batch:
            writer.add_document(**fields)
        writer.commit()
    index.close()
    return _contents(path)


def test_a_new_segment_holds_what_whoosh_would_write(cluster: Store, tmp_path: Path):
    load_demo(cluster, 400)
    docs = _documents(cluster)
    theirs = _write(tmp_path / "whoosh", SegmentWriter, [docs])
    ours = _write(tmp_path / "ours", MemorySegmentWriter, [docs])
    assert ours["docs"] == len(docs) > 100
    assert len(ours["postings"]) > 2_000
    # Terms of several 128-posting blocks, terms met several times in a document.
    assert max(len(found) for _, _, found in ours["postings"].values()) > 300
    assert any(weight > 1 for _, _, found in ours["postings"].values() for _, weight, _ in found)
    assert ours == theirs


def test_segments_merged_at_commit_hold_what_whoosh_would_write(cluster: Store, tmp_path: Path):
    """Ten small commits make Whoosh's merge policy fold older segments into the new one,
    through the writer's merge path; deleted documents are dropped on the way."""
    load_demo(cluster, 120)
    docs = _documents(cluster)
    batches = [docs[i::10] for i in range(10)]
    deleted = [docs[0]["key"], docs[11]["key"]]
    theirs = _write(tmp_path / "whoosh", SegmentWriter, batches, deleted)
    ours = _write(tmp_path / "ours", MemorySegmentWriter, batches, deleted)
    assert ours["docs"] < len(docs)  # merged: deletions dropped
    assert ours == theirs


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="parallel rebuilds need fork (Linux)"
)
def test_a_rebuild_written_by_several_processes_finds_what_one_process_finds(
    zq: Cluster, monkeypatch: pytest.MonkeyPatch
):
    load_demo(zq.store, 300)
    zq.push("530521", record("p1", "施甸县住房公积金提取办法", "职工提取住房公积金的条件和材料"))
    live = zq.index().added
    queries = ["住房公积金", "乡村振兴", '"公积金提取"', "施甸", "医保"]
    one_process = {q: zq.search(q, page_size=50) for q in queries}
    monkeypatch.setattr(building, "BULK_MIN_CHANGES", 1)
    monkeypatch.setattr(building.os, "cpu_count", lambda: 2)
    with processes.no_strays():  # sub-writers a failed rebuild would leave behind
        summary = zq.index(full=True)
    assert summary.mode == "rebuild" and summary.added == live > 250
    index = whoosh_index.open_dir(str(zq.reader.generations.path(summary.generation)))
    # One segment per writer process (and none from the parent).
    assert len(index._segments()) == 2 and index.doc_count() == live
    index.close()
    for q, before in one_process.items():
        after = zq.search(q, page_size=50)
        assert after.total == before.total > 0, q
        assert {h.key for h in after.hits} == {h.key for h in before.hits}, q


def test_the_lexicon_counts_kept_at_flush_are_what_counting_the_segment_finds(
    cluster: Store, tmp_path: Path
):
    load_demo(cluster, 400)
    docs = _documents(cluster)
    path = tmp_path / "ours"
    _write(path, MemorySegmentWriter, [docs[:200], docs[200:]])
    index = whoosh_index.open_dir(str(path))
    kept = sorted((path / COUNTS).iterdir())
    with index.reader() as reader:
        segments = [leaf for leaf, _ in reader.leaf_readers()]
        assert len(kept) == len(segments) == 2
        for segment in segments:
            saved = path / COUNTS / f"{segment.segment().segment_id()}.marshal"
            from_memory = marshal.loads(saved.read_bytes())
            saved.unlink()
            counted = _segment_counts(segment, saved)
            assert from_memory == counted
            assert len(counted[0]) > 500 and len(counted[1]) > 50
    index.close()
