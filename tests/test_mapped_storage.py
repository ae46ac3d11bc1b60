"""A serving worker's searchers share the index's pages instead of copying the index."""

from pathlib import Path

from whoosh import query

from exchange.demo import load_demo
from indexer.engine.generations import Generations
from tests.conftest import Cluster


def _private_bytes() -> int:
    """Resident memory of this process's own (RssAnon): not the pages of mapped files, which
    are the kernel's page cache, shared with every process that reads the same index."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("RssAnon:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no RssAnon in /proc/self/status")


def _index_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.iterdir() if p.is_file())


def test_opening_searchers_does_not_copy_the_index_into_memory(zq: Cluster):
    load_demo(zq.store, 400)
    zq.index()
    generations = Generations(zq.config.index_dir)
    number = generations.current()
    size = _index_bytes(generations.path(number))
    assert size > 1_500_000
    warm = generations.open(number).searcher()
    assert warm.search_page(_query("住房"), 1).total > 0
    before = _private_bytes()
    searchers = [generations.open(number).searcher() for _ in range(6)]
    for searcher in searchers:
        assert searcher.search_page(_query("住房"), 1).total > 0
    grown = _private_bytes() - before
    # Whoosh's own mapping copied each compound segment's files: six searchers would hold
    # about six copies of the index.
    assert grown < size, (grown, size)
    for searcher in [warm, *searchers]:
        searcher.close()


def _query(word: str) -> query.Term:
    return query.Term("body", word)
