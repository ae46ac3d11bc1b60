"""A mirror (``zhanqun pull``) whose origin is restored from a backup resynchronises by itself:
the real pull code against the real app on a real HTTP server, before and after the restore."""

import pytest

from exchange import cli
from exchange.mirror import mirror
from exchange.store import open_store
from exchange.store.audit import recent_entries
from exchange.store.backups import write_backup
from exchange.store.feed import read_changes
from exchange.store.restoring import restore_backup
from tests.conftest import record
from tests.databases import store_url


@pytest.fixture
def local(tmp_path):
    """The county's own store, which mirrors the city's."""
    store = open_store(store_url(tmp_path / "county"))
    yield store
    store.dispose()


def live(store) -> dict[str, tuple]:
    """The records a store holds (not its tombstones): content and version."""
    with store.read() as conn:
        return {
            c.key: (c.title, c.share, c.version)
            for c in read_changes(conn, 0, 10_000)
            if not c.deleted
        }


def local_seqs(store) -> dict[str, int]:
    with store.read() as conn:
        return {c.key: c.seq for c in read_changes(conn, 0, 10_000)}


def restored_origin(zq, tmp_path) -> None:
    """The city's store, backed up at seq 11, changed (12-18), restored to the backup."""
    zq.push("530500", *[record(f"c{i}", f"市级公告{i}") for i in range(10)])
    zq.push("530521100", record("t1", "甸阳镇通知"))
    write_backup(zq.store, tmp_path / "backup.sqlite3")
    zq.push(
        "530500",
        record("c0", "市级公告0（修订）"),
        record("lost", "备份之后的公告"),
        {"id": "c1", "deleted": True},
    )
    zq.push("530500", *[record(f"c{i}", f"市级公告{i}（二改）") for i in range(5, 9)])


def changes_after_the_restore(zq) -> None:
    """They take the numbers 12-15 again: c5's is lower than the version of its copy (16)."""
    results = zq.push(
        "530500",
        record("c5", "市级公告5（恢复后）"),
        {"id": "c2", "deleted": True},
        record("new", "恢复后的新公告"),
    )
    results += zq.push("530521100", record("t1", "甸阳镇通知（恢复后）"))
    assert [r.seq for r in results] == [12, 13, 14, 15]


def test_a_mirror_catches_every_change_after_its_origin_is_restored(
    zq, keys, live_url, local, tmp_path
):
    restored_origin(zq, tmp_path)
    before = mirror(local, live_url, keys["county"])
    assert before.outcomes == {"created": 11, "not_found": 1}
    restore_backup(zq.store, tmp_path / "backup.sqlite3", "cli:test")
    changes_after_the_restore(zq)
    seqs = local_seqs(local)

    notices: list[str] = []
    report = mirror(local, live_url, keys["county"], notice=notices.append)
    assert len(notices) == 1 and "410 cursor_expired" in notices[0]
    assert report.resyncs == 1
    # Every record the origin has now, at its version there (its sequence number), and nothing
    # it lost: the same as a mirror that starts today.
    fresh = open_store(store_url(tmp_path / "fresh"))
    try:
        mirror(fresh, live_url, keys["county"])
        assert live(local) == live(fresh)
    finally:
        fresh.dispose()
    assert live(local)["530500/c5"] == ("市级公告5（恢复后）", "unconditional", 12)
    assert "530500/lost" not in live(local) and "530500/c2" not in live(local)
    # Each difference applied once: c0 and c6-c8 back to the backup, c5 and t1 changed after it,
    # c1 back, c2 and "lost" withdrawn, "new"; c3, c4 and c9 as they were, not written again.
    assert report.outcomes == {"updated": 6, "created": 2, "deleted": 2, "unchanged": 3}
    after = local_seqs(local)
    assert {key for key in after if after[key] == seqs.get(key)} == {
        "530500/c3",
        "530500/c4",
        "530500/c9",
    }
    assert len({seq for key, seq in after.items() if seq != seqs.get(key)}) == 10
    assert [e.target for e in recent_entries(local, action="pull.resync")] == [live_url]

    # Caught up, with the new cursor kept; later changes come through as usual.
    again = mirror(local, live_url, keys["county"])
    assert (again.pages, again.changes, again.outcomes, again.resyncs) == (1, 0, {}, 0)
    zq.push("530500", record("c3", "市级公告3（再改）"), record("c6", "市级公告6（再改）"))
    later = mirror(local, live_url, keys["county"])
    assert later.outcomes == {"updated": 2}
    assert live(local)["530500/c6"] == ("市级公告6（再改）", "unconditional", 17)


def test_an_interrupted_resync_starts_over_and_applies_nothing_twice(
    zq, keys, live_url, local, tmp_path
):
    restored_origin(zq, tmp_path)
    mirror(local, live_url, keys["county"])
    restore_backup(zq.store, tmp_path / "backup.sqlite3", "cli:test")
    changes_after_the_restore(zq)

    cut = mirror(local, live_url, keys["county"], limit=3, pages=2)
    assert cut.resyncs == 1 and cut.changes == 6
    rest = mirror(local, live_url, keys["county"], limit=3)
    assert rest.resyncs == 1  # the old cursor was kept: it starts again from the beginning
    # c0 c1 c3 c4 c6 c7 before the cut; the second run finds those six unchanged.
    assert cut.outcomes == {"updated": 3, "created": 1, "unchanged": 2}
    assert rest.outcomes == {"updated": 3, "created": 1, "deleted": 2, "unchanged": 7}
    fresh = open_store(store_url(tmp_path / "fresh"))
    try:
        mirror(fresh, live_url, keys["county"])
        assert live(local) == live(fresh)
    finally:
        fresh.dispose()


def test_zhanqun_pull_reports_the_resync_in_one_line(zq, keys, live_url, local, tmp_path, capsys):
    restored_origin(zq, tmp_path)
    url = store_url(tmp_path / "county")
    county = ["--from", live_url, "--key", keys["county"], "--database-url", url]
    assert cli.main(["pull", *county]) == 0
    capsys.readouterr()
    restore_backup(zq.store, tmp_path / "backup.sqlite3", "cli:test")
    changes_after_the_restore(zq)
    assert cli.main(["pull", *county]) == 0
    out, err = capsys.readouterr()
    assert err.count("\n") == 1 and f"zhanqun pull: {live_url} answered 410 cursor_expired" in err
    assert "created=2 deleted=2 unchanged=3 updated=6 resyncs=1" in out
