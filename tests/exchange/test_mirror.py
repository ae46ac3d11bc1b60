"""The mirror client (``zhanqun pull``) against the real app on a real HTTP server."""

import pytest

from exchange.errors import ZhanqunError
from exchange.mirror import mirror
from exchange.store import open_store
from exchange.store.audit import recent_entries
from exchange.store.feed import read_changes
from exchange.store.reviewing import decide
from exchange.store.sites import list_sites
from tests.conftest import record
from tests.databases import store_url


@pytest.fixture
def local(tmp_path):
    """The county's own, empty store."""
    store = open_store(store_url(tmp_path / "county"))
    yield store
    store.dispose()


def contents(store) -> dict[str, tuple]:
    with store.read() as conn:
        return {
            c.key: (c.deleted, c.title, c.share, c.review) for c in read_changes(conn, 0, 10_000)
        }


def origin_records(zq) -> None:
    zq.push("530500", *[record(f"c{i}", f"市级公告{i}") for i in range(30)])
    zq.push(
        "530500",
        record("cond", "有条件共享", share="conditional"),
        record("none", "不予共享", share="none"),
    )
    zq.push("530521100", record("t1", "甸阳镇通知"))


def test_a_mirror_copies_what_the_key_may_see_and_a_rerun_changes_nothing(
    zq, keys, live_url, local
):
    origin_records(zq)
    report = mirror(local, live_url, keys["county"], limit=7)
    assert report.pages == 5 and report.changes == 32
    assert report.outcomes == {"created": 31, "not_found": 1}  # the ungranted one's tombstone
    copied = contents(local)
    assert set(copied) == {f"530500/c{i}" for i in range(30)} | {"530521100/t1"}
    assert copied["530500/c3"] == (False, "市级公告3", "unconditional", "none")
    # Sites arrive with their parents, in order.
    assert {(s.code, s.parent) for s in list_sites(local)} == {
        ("530500", None),
        ("530521", "530500"),
        ("530521100", "530521"),
    }
    again = mirror(local, live_url, keys["county"])
    assert (again.pages, again.changes, again.outcomes) == (1, 0, {})
    assert {e.actor for e in recent_entries(local, action="pull")} == {f"mirror:{live_url}"}


def test_deletions_narrowing_and_releases_reach_the_mirror(zq, keys, live_url, local):
    origin_records(zq)
    zq.push("530500", record("s1", "秘密★ 已脱密文件"))
    mirror(local, live_url, keys["county"])
    assert "530500/s1" not in contents(local)
    zq.push("530500", {"id": "c1", "deleted": True}, record("c2", "市级公告2", share="none"))
    decide(zq.store, "530500", "s1", "release", "cli:test")
    mirror(local, live_url, keys["county"])
    copied = contents(local)
    assert copied["530500/c1"][0] and copied["530500/c2"][0]
    # Released at the origin, it is not held again here although it carries its mark.
    assert copied["530500/s1"] == (False, "秘密★ 已脱密文件", "unconditional", "none")


def test_an_interrupted_mirror_resumes_without_loss_or_repeats(zq, keys, live_url, local, tmp_path):
    origin_records(zq)
    first = mirror(local, live_url, keys["county"], limit=5, pages=2)
    assert first.changes == 10
    zq.push("530500", record("c0", "市级公告0（修订）"), record("late", "后来的公告"))
    rest = mirror(local, live_url, keys["county"], limit=5)
    assert rest.outcomes["created"] == 21 + 1 and rest.outcomes["updated"] == 1
    # The same result as one uninterrupted run into a fresh store.
    fresh = open_store(store_url(tmp_path / "fresh"))
    try:
        mirror(fresh, live_url, keys["county"], limit=50)
        assert contents(fresh) == contents(local)
    finally:
        fresh.dispose()
    assert contents(local)["530500/c0"][1] == "市级公告0（修订）"


def test_a_batch_that_fails_leaves_the_cursor_where_it_was(zq, keys, live_url, local, monkeypatch):
    origin_records(zq)
    import exchange.mirror as client

    real = client.write_batch
    calls = []

    def failing(conn, site, items, mark_of):
        calls.append(site)
        if site == "530521100":
            raise RuntimeError("disk full")
        return real(conn, site, items, mark_of)

    monkeypatch.setattr(client, "write_batch", failing)
    with pytest.raises(RuntimeError):
        mirror(local, live_url, keys["county"], limit=100)
    monkeypatch.setattr(client, "write_batch", real)
    # The page's first site was committed; the cursor was not, so the page comes again.
    report = mirror(local, live_url, keys["county"], limit=100)
    assert report.outcomes == {"unchanged": 30, "not_found": 1, "created": 1}
    assert len(contents(local)) == 31


def test_a_bad_key_or_an_unreachable_peer_is_a_clear_error(zq, keys, live_url, local):
    with pytest.raises(ZhanqunError) as refused:
        mirror(local, live_url, keys["county"][:-2] + "xx")
    assert (refused.value.code, refused.value.status) == ("invalid_key", 401)
    with pytest.raises(ZhanqunError) as unreachable:
        mirror(local, "http://127.0.0.1:9", keys["county"])
    assert (unreachable.value.code, unreachable.value.status) == ("peer_unavailable", 503)
