"""A service's worker loads a lexicon a run rewrote in the background: searches go on with
the lexicon they had, and the new words are known as soon as it is loaded."""

import threading
import time

from indexer.engine.searching import IndexReader, SearchRequest, search
from indexer.lexicon import BackgroundLoad, Lexicon
from tests.conftest import record


def _until(condition, seconds: float = 10.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return False


def test_a_rewritten_lexicon_is_picked_up_without_holding_searches(zq, monkeypatch):
    zq.push("530500", record("1", "公积金提取", "公积金"))
    zq.index()
    reader = IndexReader(zq.config.index_dir, refresh_seconds=0, lexicon_in_background=True)
    assert search(reader, SearchRequest(text="公积金")).total == 1
    first = reader._view.lexicon

    release = threading.Event()
    load = Lexicon.load

    def slow_load(directory):
        release.wait(10)
        return load(directory)

    monkeypatch.setattr(Lexicon, "load", staticmethod(slow_load))
    zq.push("530500", *[record(f"t{i}", f"腾冲翡翠市场第{i}期", "翡翠交易") for i in range(3)])
    zq.index()
    # The new records are searchable at once; the lexicon in use is still the old one.
    assert search(reader, SearchRequest(text="翡翠")).total == 3
    assert reader._view.lexicon is first
    serving = reader._view

    release.set()

    def respelled() -> bool:
        result = search(reader, SearchRequest(text="feicui"))
        return result.correction is not None and result.correction.query == "翡翠"

    assert _until(respelled)
    assert reader._view.lexicon is not first
    # Same searcher, same lock: its posting files are read by one search at a time.
    assert reader._view.searcher is serving.searcher
    assert reader._view.lock is serving.lock
    reader.close()


def test_a_load_is_started_once_and_handed_over_once(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setattr(Lexicon, "load", staticmethod(lambda d: calls.append(d) or Lexicon([])))
    loads = BackgroundLoad()
    assert loads.take(tmp_path, 1.0) is None
    assert _until(lambda: loads.ready(tmp_path, 1.0))
    assert isinstance(loads.take(tmp_path, 1.0), Lexicon)
    assert calls == [tmp_path]
