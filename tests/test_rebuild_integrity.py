"""A run never publishes less than the store holds: the census before a switch, the problem
it leaves for /healthz, /metrics and the dashboard, rebuilds an upgrade or a restore makes
necessary, and the memory bound that makes a run commit as it goes."""

import json

import pytest
from falcon import testing
from sqlalchemy import update

from exchange.app import create_app
from exchange.dashboard.session import COOKIE, Sessions
from exchange.index_feed import IndexFeed
from exchange.store import tables
from exchange.store.keys import issue_key, parse_scopes
from exchange.store.migrations import STORE_ID
from indexer.engine import building
from indexer.engine.generations import STATE, Generations
from indexer.engine.schema import INDEX_FORMAT
from indexer.failures import CensusMismatch
from tests.conftest import record


class LossyFeed(IndexFeed):
    """The store's feed, dropping every ``nth`` live record (not a batch's last, so the run
    still reaches the feed's end): what a writer that lost part of its work leaves behind."""

    def __init__(self, store, nth: int) -> None:
        super().__init__(store)
        self.nth = nth

    def changes_after(self, seq: int, limit: int):
        changes = super().changes_after(seq, limit)
        kept = [c for c in changes[:-1] if not (c.live and c.seq % self.nth == 0)]
        return kept + changes[-1:]


class BusyFeed(IndexFeed):
    """The store's feed while a CMS keeps pushing: after the first batch is read, records
    already read are changed and withdrawn and new ones arrive."""

    def __init__(self, store, push) -> None:
        super().__init__(store)
        self.push = push
        self.pushed = False

    def changes_after(self, seq: int, limit: int):
        changes = super().changes_after(seq, limit)
        if not self.pushed:
            self.pushed = True
            self.push("530500", record("0", "公告0（修订）"), {"id": "1", "deleted": True})
            self.push("530521", *[record(f"new-{i}", f"新公告{i}") for i in range(5)])
        return changes


def notices(zq, count: int, site: str = "530500", start: int = 0) -> None:
    zq.push(site, *[record(str(i), f"公告{i}") for i in range(start, start + count)])


def served(zq) -> int:
    return zq.search("公告", page_size=50).total


def test_a_rebuild_short_of_the_store_is_not_switched_and_says_why(zq):
    notices(zq, 40)
    zq.index()
    generations = Generations(zq.config.index_dir)
    with pytest.raises(CensusMismatch, match=r"holds 31 documents .* the store 40"):
        building.run(zq.config.index_dir, LossyFeed(zq.store, 4), full=True)
    assert generations.current() == 1
    assert generations.numbers() == [1], "the short generation was left behind"
    assert served(zq) == 40
    assert "holds 31 documents" in generations.problem()
    # The next run starts the rebuild again, and passes.
    summary = zq.index()
    assert summary.mode == "repair-rebuild"
    assert generations.current() == 2 and generations.problem() is None
    assert served(zq) == 40


def test_an_incremental_run_that_falls_short_is_repaired_by_the_next(zq):
    notices(zq, 20)
    zq.index()
    notices(zq, 20, start=20)
    with pytest.raises(CensusMismatch, match=r"holds 36 documents .* the store 40"):
        building.run(zq.config.index_dir, LossyFeed(zq.store, 4))
    generations = Generations(zq.config.index_dir)
    assert generations.problem() is not None
    summary = zq.index()
    assert summary.mode == "repair-rebuild"
    assert any("failed its checks" in d for d in summary.damage)
    assert served(zq) == 40 and generations.problem() is None


def test_pushes_during_a_run_do_not_fail_its_census(zq, monkeypatch):
    monkeypatch.setattr(building, "BATCH", 10)
    notices(zq, 30)
    zq.index()
    notices(zq, 30, start=30)
    summary = building.run(zq.config.index_dir, BusyFeed(zq.store, zq.push))
    assert summary.mode == "incremental"
    assert Generations(zq.config.index_dir).problem() is None
    zq.index()
    assert served(zq) == 59 + 5


def test_a_failed_check_is_loud_on_healthz_metrics_and_the_dashboard(zq):
    notices(zq, 12)
    zq.index()
    client = testing.TestClient(create_app(zq.config, zq.store, zq.reader))
    assert client.simulate_get("/healthz").status_code == 200
    assert "zhanqun_indexer_check_failed 0.0" in client.simulate_get("/metrics").text
    with pytest.raises(CensusMismatch):
        building.run(zq.config.index_dir, LossyFeed(zq.store, 3), full=True)
    health = client.simulate_get("/healthz")
    assert health.status_code == 503
    assert health.json["checks"]["indexer"] == "failed"
    assert "holds 9 documents" in health.json["indexer_problem"]
    assert "zhanqun_indexer_check_failed 1.0" in client.simulate_get("/metrics").text
    issued = issue_key(zq.store, None, parse_scopes("admin"), "看板", "test")
    cookie = Sessions(zq.store).log_in(issued.token)
    page = client.simulate_get("/admin", cookies={COOKIE: cookie}).text
    assert 'role="alert">索引检查未通过' in page and "holds 9 documents" in page
    # Still serving the last good generation meanwhile.
    assert client.simulate_get("/v1/search", params={"q": "公告"}).json["total"] == 12
    zq.index()
    assert client.simulate_get("/healthz").status_code == 200
    assert 'role="alert"' not in client.simulate_get("/admin", cookies={COOKIE: cookie}).text


def test_a_generation_of_an_older_format_is_rebuilt_while_it_serves(zq):
    notices(zq, 10)
    zq.index()
    generations = Generations(zq.config.index_dir)
    # As a generation written before formats were recorded.
    path = generations.path(1) / STATE
    state = json.loads(path.read_text())
    del state["format"], state["store"]
    path.write_text(json.dumps(state))
    notices(zq, 5, start=10)
    summary = zq.index()
    assert summary.mode == "upgrade-rebuild"
    assert summary.reasons == [
        f"generation 1 is of index format 1, this release writes {INDEX_FORMAT}"
    ]
    assert generations.current() == 2
    assert generations.state(2).format == INDEX_FORMAT
    assert served(zq) == 15
    assert zq.index().mode == "incremental"


def test_an_index_of_another_store_is_rebuilt_after_a_restore(zq):
    notices(zq, 10)
    zq.index()
    # A restore gives the store a new identity (and hands out sequence numbers again).
    with zq.store.write() as conn:
        conn.execute(
            update(tables.meta).where(tables.meta.c.key == STORE_ID).values(value="restored01")
        )
    summary = zq.index()
    assert summary.mode == "upgrade-rebuild"
    assert "the store is now restored01" in summary.reasons[0]
    assert Generations(zq.config.index_dir).state(2).store == "restored01"
    assert served(zq) == 10


def test_a_small_memory_bound_makes_a_run_commit_as_it_goes(zq, monkeypatch):
    body = "保山市人民政府办公室关于进一步做好政务公开工作的通知。" * 40
    zq.push("530500", *[record(str(i), f"公告{i}", body) for i in range(200)])
    # 1 MB at 11 bytes a character: a commit every ~95,000 characters, some 90 records.
    summary = building.run(zq.config.index_dir, IndexFeed(zq.store), memory_mb=1)
    generations = Generations(zq.config.index_dir)
    index = generations.open(summary.generation)
    try:
        commits = index.latest_generation()
    finally:
        index.close()
    unbounded = zq.config.index_dir.parent / "unbounded"
    building.run(unbounded, IndexFeed(zq.store))
    index = Generations(unbounded).open(1)
    try:
        assert index.latest_generation() < commits
    finally:
        index.close()
    assert served(zq) == 200
