"""The store's write path: outcomes, versions, tombstones, the change sequence, the schema."""

import pytest
from sqlalchemy import select, update

from exchange.batches import apply_batch
from exchange.errors import Conflict, NotFound, Unavailable
from exchange.record_input import parse_item
from exchange.store import open_store, tables
from exchange.store.feed import read_changes
from exchange.store.sites import all_sites, branch_of, set_site_state
from tests.conftest import record


def outcomes(results):
    return [(r.id, r.outcome) for r in results]


def test_create_update_unchanged_and_sequence(zq):
    first = zq.push("530500", record("1", "通知一"), record("2", "通知二"))
    assert outcomes(first) == [("1", "created"), ("2", "created")]
    assert [r.seq for r in first] == [1, 2]
    again = zq.push("530500", record("1", "通知一"), record("2", "通知二（修订）"))
    assert outcomes(again) == [("1", "unchanged"), ("2", "updated")]
    assert again[0].seq is None and again[1].seq == 3
    with zq.store.read() as conn:
        feed = read_changes(conn, 0, 10)
    # The feed holds each record once, at the number of its latest change.
    assert [(c.local_id, c.seq, c.version) for c in feed] == [("1", 1, 1), ("2", 3, 2)]


def test_versions_make_retries_and_reordering_harmless(zq):
    zq.push("530500", record("1", "第三版", version=3))
    late = zq.push("530500", record("1", "第二版", version=2))
    assert outcomes(late) == [("1", "stale")]
    assert "newer" in late[0].reason
    conflict = zq.push("530500", record("1", "第三版但内容不同", version=3))
    assert outcomes(conflict) == [("1", "stale")]
    newer = zq.push("530500", record("1", "第四版", version=4))
    assert outcomes(newer) == [("1", "updated")]
    with zq.store.read() as conn:
        [row] = read_changes(conn, 0, 10)
    assert (row.title, row.version) == ("第四版", 4)


def test_deletion_leaves_a_tombstone_in_the_feed(zq):
    zq.push("530500", record("1", "将被撤回的公告", "正文"))
    deleted = zq.push("530500", {"id": "1", "deleted": True})
    assert outcomes(deleted) == [("1", "deleted")]
    assert outcomes(zq.push("530500", {"id": "1", "deleted": True})) == [("1", "unchanged")]
    assert outcomes(zq.push("530500", {"id": "nope", "deleted": True})) == [("nope", "not_found")]
    with zq.store.read() as conn:
        [tombstone] = read_changes(conn, 0, 10)
    assert tombstone.deleted and tombstone.body == "" and tombstone.seq == 2
    # Publishing again brings it back as a new record.
    assert outcomes(zq.push("530500", record("1", "重新发布"))) == [("1", "created")]


def test_same_id_twice_in_one_batch_keeps_the_last(zq):
    results = zq.push("530500", record("1", "初稿"), record("1", "定稿"))
    assert outcomes(results) == [("1", "created"), ("1", "created")]
    results = zq.push("530500", record("2", "稿"), {"id": "2", "deleted": True})
    with zq.store.read() as conn:
        feed = {c.local_id: c for c in read_changes(conn, 0, 10)}
    assert feed["1"].title == "定稿"
    assert feed["2"].deleted


def test_closed_and_unknown_sites_are_refused(zq):
    set_site_state(zq.store, "530581", "closed")
    with pytest.raises(Conflict) as closed:
        zq.push("530581", record("1", "公告"))
    assert closed.value.code == "site_closed"
    with pytest.raises(NotFound) as unknown:
        zq.push("999999", record("1", "公告"))
    assert unknown.value.code == "unknown_site"


def test_columns_are_registered_with_a_guessed_kind(zq):
    zq.push(
        "530500",
        record("1", "公告", column="政务公开/通知公告"),
        record("2", "动态", column="首页/要闻动态"),
    )
    with zq.store.read() as conn:
        rows = conn.execute(select(tables.columns.c.path, tables.columns.c.kind)).all()
    assert set(rows) == {("政务公开/通知公告", "notice"), ("首页/要闻动态", "news")}


def test_branch_is_the_site_and_its_ancestors(cluster):
    with cluster.read() as conn:
        sites = all_sites(conn)
    assert branch_of(sites, "530521100") == ["530521100", "530521", "530500"]


def test_reopening_keeps_data_and_a_newer_schema_is_refused(config, cluster):
    apply_batch(cluster, "530500", [parse_item(record("1", "公告"))])
    cluster.dispose()
    reopened = open_store(config.store_url)
    with reopened.read() as conn:
        assert len(read_changes(conn, 0, 10)) == 1
    with reopened.write() as conn:
        conn.execute(update(tables.meta).values(value="999"))
    reopened.dispose()
    with pytest.raises(Unavailable) as too_new:
        open_store(config.store_url)
    assert too_new.value.code == "store_too_new"


def test_html_is_reduced_to_text(zq):
    zq.push(
        "530500", record("1", "<b>公告</b>", "<p>第一段</p><script>steal()</script><p>第二段</p>")
    )
    with zq.store.read() as conn:
        [row] = read_changes(conn, 0, 10)
    assert row.title == "公告"
    assert row.body == "第一段\n第二段"


def test_concurrent_writers_and_a_puller_see_every_change_once(zq):
    import threading
    import time

    writers, batches, size = 4, 15, 10
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for b in range(batches):
                zq.push(
                    "530500", *[record(f"w{n}-{b}-{i}", f"公告 {n} {b} {i}") for i in range(size)]
                )
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    seen: list[int] = []
    cursor = 0
    while any(t.is_alive() for t in threads) or cursor < writers * batches * size:
        with zq.store.read() as conn:
            page = read_changes(conn, cursor, 7)
        if page:
            seen.extend(c.seq for c in page)
            cursor = page[-1].seq
        else:
            time.sleep(0.005)
    for thread in threads:
        thread.join()
    assert not errors
    assert seen == list(range(1, writers * batches * size + 1))
