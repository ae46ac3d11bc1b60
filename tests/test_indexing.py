"""The indexer: incremental runs, full rebuilds into new generations, resumption after a crash."""

import pytest

from exchange.index_feed import IndexFeed
from exchange.store.feed import read_changes
from indexer.engine import building
from indexer.engine.generations import Generations
from tests.conftest import record


def store_keys(zq) -> set[str]:
    """What public search should find: live, public records not held for review."""
    with zq.store.read() as conn:
        return {c.key for c in read_changes(conn, 0, 100_000) if c.searchable}


def index_keys(zq) -> list[str]:
    generations = Generations(zq.config.index_dir)
    index = generations.open(generations.current())
    with index.searcher() as searcher:
        return [doc["key"] for doc in searcher.all_stored_fields()]


def test_incremental_run_after_upserts_and_deletes_matches_the_store(zq):
    zq.push("530500", *[record(str(i), f"第{i}号公告", f"公告正文{i}") for i in range(30)])
    first = zq.index()
    assert (first.mode, first.added, first.generation) == ("rebuild", 30, 1)
    zq.push("530500", *[record(str(i), f"第{i}号公告（更新）") for i in range(5)])
    zq.push("530500", *[{"id": str(i), "deleted": True} for i in range(5, 10)])
    zq.push("530500", record("hidden", "内部公告", public=False))
    zq.push("530521", record("new", "施甸县新公告"))
    summary = zq.index()
    assert (summary.mode, summary.generation) == ("incremental", 1)
    assert (summary.added, summary.updated, summary.deleted) == (1, 5, 5)
    keys = index_keys(zq)
    assert len(keys) == len(set(keys))
    assert set(keys) == store_keys(zq)
    assert "530500/hidden" not in keys
    assert zq.keys("更新") == {f"530500/{i}" for i in range(5)}


def test_a_record_turning_private_leaves_the_index(zq):
    zq.push("530500", record("1", "公告"))
    zq.index()
    zq.push("530500", record("1", "公告", public=False))
    assert zq.index().deleted == 1
    assert zq.keys("公告") == set()


def test_nothing_to_do_is_a_cheap_no_op(zq):
    zq.push("530500", record("1", "公告"))
    zq.index()
    again = zq.index()
    assert (again.added, again.updated, again.deleted, again.seq_from, again.seq_to) == (
        0,
        0,
        0,
        1,
        1,
    )


def test_full_rebuild_switches_to_a_new_generation(zq):
    zq.push("530500", *[record(str(i), f"公告{i}") for i in range(10)])
    zq.index()
    assert zq.search("公告").generation == 1
    zq.push("530500", {"id": "0", "deleted": True})
    rebuilt = zq.index(full=True)
    assert (rebuilt.mode, rebuilt.generation, rebuilt.added) == ("rebuild", 2, 9)
    assert Generations(zq.config.index_dir).current() == 2
    result = zq.search("公告", page_size=50)
    assert result.generation == 2 and result.total == 9
    third = zq.index(full=True)
    assert Generations(zq.config.index_dir).numbers() == [2, 3]
    assert third.generation == 3


class Crash(Exception):
    pass


class CrashingFeed(IndexFeed):
    """The store's feed, failing after a number of changes, as a killed run would stop."""

    def __init__(self, store, after: int) -> None:
        super().__init__(store)
        self.left = after

    def changes_after(self, seq: int, limit: int):
        if self.left <= 0:
            raise Crash
        changes = super().changes_after(seq, min(limit, self.left))
        self.left -= len(changes)
        return changes


def test_interrupted_rebuild_keeps_old_generation_serving_and_is_resumed(zq, monkeypatch):
    monkeypatch.setattr(building, "BATCH", 10)
    zq.push("530500", *[record(str(i), f"公告{i}") for i in range(40)])
    zq.index()
    zq.push("530500", *[record(str(i), f"公告{i}（修订）") for i in range(40, 60)])
    with pytest.raises(Crash):
        building.run(zq.config.index_dir, CrashingFeed(zq.store, 30), full=True, commit_every=20)
    generations = Generations(zq.config.index_dir)
    assert generations.current() == 1
    assert generations.unfinished() == 2
    assert generations.state(2).seq == 20  # the last commit before the crash
    assert zq.search("公告", page_size=50).total == 40
    resumed = zq.index()
    assert (resumed.mode, resumed.generation, resumed.seq_from) == ("resume-rebuild", 2, 20)
    assert generations.current() == 2
    keys = index_keys(zq)
    assert len(keys) == len(set(keys)) == 60
    assert set(keys) == store_keys(zq)


def test_interrupted_incremental_run_loses_and_duplicates_nothing(zq, monkeypatch):
    monkeypatch.setattr(building, "BATCH", 10)
    zq.push("530500", *[record(str(i), f"公告{i}") for i in range(20)])
    zq.index()
    zq.push("530500", *[record(str(i), f"公告{i}（修订）") for i in range(20)])
    zq.push("530500", *[{"id": str(i), "deleted": True} for i in range(15, 20)])
    with pytest.raises(Crash):
        building.run(zq.config.index_dir, CrashingFeed(zq.store, 15), commit_every=10)
    zq.index()
    keys = index_keys(zq)
    assert len(keys) == len(set(keys)) == 15
    assert set(keys) == store_keys(zq)
    assert zq.search("修订", page_size=50).total == 15


def test_cluster_names_reach_the_generation_dictionary(zq):
    from exchange.store.sites import register_site

    register_site(zq.store, "530523105", "勐糯镇人民政府", "township", "530521")
    zq.push("530523105", record("1", "勐糯镇召开森林防火会议"))
    zq.index()
    words = Generations(zq.config.index_dir).read_dictionary(1)
    assert "勐糯镇" in words and "勐糯" in words
    assert zq.keys("勐糯镇") == {"530523105/1"}
    hit = zq.search("勐糯镇").hits[0]
    assert hit.title.startswith("<mark>勐糯镇</mark>")


def test_crash_between_switch_and_state_save_is_finished_by_the_next_run(zq, monkeypatch):
    zq.push("530500", *[record(str(i), f"公告{i}") for i in range(5)])
    zq.index()
    original = Generations.save_state

    def die_when_marking_complete(self, state):
        if state.complete:
            raise Crash
        original(self, state)

    monkeypatch.setattr(Generations, "save_state", die_when_marking_complete)
    with pytest.raises(Crash):
        zq.index(full=True)
    monkeypatch.setattr(Generations, "save_state", original)
    generations = Generations(zq.config.index_dir)
    assert generations.current() == 2 and not generations.state(2).complete
    zq.push("530500", record("late", "公告late"))
    zq.index()
    assert generations.state(2).complete
    keys = index_keys(zq)
    assert len(keys) == len(set(keys)) == 6
    assert set(keys) == store_keys(zq)


def test_a_running_reader_sees_updates_and_deletions_of_the_next_commit(zq):
    zq.push("530500", record("1", "森林防火通告"), record("2", "森林防火宣传"))
    zq.index()
    assert zq.search("森林防火").total == 2  # the reader is open from here on
    zq.push("530500", record("1", "森林防火通告（修订）"), {"id": "2", "deleted": True})
    zq.index()
    result = zq.search("森林防火")
    assert [h.title for h in result.hits] == ["<mark>森林防火</mark>通告（修订）"]
    assert result.total == 1 and result.facets["site"] == {"530500": 1}
