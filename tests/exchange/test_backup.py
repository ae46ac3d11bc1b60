"""``zhanqun backup`` and ``zhanqun restore``: a restored store holds the backup's content under a
new identity, so every cursor issued before it is expired, and new changes may take numbers
again; a file that is not a backup leaves the store untouched."""

import hashlib
import sqlite3
import threading

import pytest

from exchange import cli
from exchange.batches import apply_batch
from exchange.record_input import parse_item
from exchange.store import backups, open_store
from exchange.store.audit import recent_entries
from exchange.store.backups import write_backup
from exchange.store.feed import read_changes
from exchange.store.keys import issue_key
from exchange.store.migrations import SCHEMA_VERSION
from exchange.store.restoring import restore_backup, store_identity
from tests.conftest import record
from tests.databases import store_url
from tests.exchange.test_migration import ADDED_BY


@pytest.fixture
def run(cluster, config, capsys):
    """``run(*args)``: the command's exit code, stdout and stderr."""

    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main([*args, "--data-dir", str(config.data_dir)])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def contents(store) -> dict[str, tuple]:
    with store.read() as conn:
        return {
            c.key: (c.seq, c.version, c.deleted, c.title, c.share)
            for c in read_changes(conn, 0, 10_000)
        }


def test_a_restore_brings_back_the_backup_and_expires_every_earlier_cursor(api, zq, run, tmp_path):
    api.push("city", [record(str(i), f"公告{i}") for i in range(5)])
    at_backup = api.changes("puller")["next"]
    path = tmp_path / "before.sqlite3"
    code, out, _ = run("backup", str(path))
    assert code == 0 and out.startswith(f"zhanqun backup: {path} ") and "seq=5 records=5" in out
    saved, identity = contents(zq.store), store_identity(zq.store)

    api.push(
        "city",
        [record("5", "后来的公告"), record("0", "公告0（修订）"), {"id": "1", "deleted": True}],
    )
    after_backup = api.changes("puller", since=at_backup)["next"]
    code, out, err = run("restore", str(path))
    assert (code, err, out.count("\n")) == (0, "", 1)
    assert out.startswith(f"zhanqun restore: {path} ") and "seq=5 (was 8)" in out

    assert contents(zq.store) == saved
    new_identity = store_identity(zq.store)
    assert new_identity != identity and f"{identity}->{new_identity}" in out
    # New changes take the numbers the discarded ones had: 6, 7, 8, 9.
    taken = zq.push("530500", *[record(f"n{i}", f"恢复后的公告{i}") for i in range(4)])
    assert [result.seq for result in taken] == [6, 7, 8, 9]
    # So a cursor at 8 would now skip 6-8, and one at 5 would look current: both are expired.
    for cursor in (at_backup, after_backup):
        response = api.get("/v1/changes", "puller", since=cursor)
        assert (response.status_code, response.json["error"]["code"]) == (410, "cursor_expired")
    # Starting again without one gives exactly the restored store's records.
    assert [(e["id"], e["seq"]) for e in api.pull_all("puller")] == [
        *[(str(i), i + 1) for i in range(5)],
        *[(f"n{i}", 6 + i) for i in range(4)],
    ]
    entry = recent_entries(zq.store, action="store.restore")[0]
    assert entry.target == str(path) and entry.actor.startswith("cli")
    detail = entry.detail
    assert (detail["previous_store"], detail["store"]) == (identity, new_identity)
    assert (detail["discarded_seq"], detail["seq"], detail["records"]) == (8, 5, 5)


def test_a_backup_restores_into_another_store_which_then_takes_writes(zq, tmp_path, monkeypatch):
    monkeypatch.setattr(backups, "CHUNK", 3)  # several chunks a table
    issue_key(zq.store, "530521", frozenset({"push"}), "CMS", "cli:test")
    zq.push("530500", *[record(str(i), f"公告{i}", column="政务公开/通知公告") for i in range(10)])
    zq.push("530521100", record("t1", "甸阳镇通知", share="conditional"))
    zq.push("530500", {"id": "3", "deleted": True})
    path = tmp_path / "备份 #1?.sqlite3"  # not a database URL's syntax
    summary = write_backup(zq.store, path)
    assert (summary.last_seq, summary.rows["records"], summary.rows["sites"]) == (12, 11, 5)

    other = open_store(store_url(tmp_path / "other"))
    try:
        restored = restore_backup(other, path, "cli:test")
        assert restored.records == 11 and restored.identity != store_identity(zq.store)
        assert contents(other) == contents(zq.store)
        # Its ids go on after the restored ones (PostgreSQL's serials are moved on).
        results = apply_batch(
            other, "530500", [parse_item(record("new", "新公告", column="政务公开/新栏目"))]
        )
        assert [(r.outcome, r.seq) for r in results] == [("created", 13)]
        assert [e.action for e in recent_entries(other, limit=2)] == ["store.restore", "key.issue"]
    finally:
        other.dispose()


def test_a_backup_is_one_snapshot_while_pushes_go_on(zq, tmp_path, monkeypatch):
    zq.push("530500", *[record(str(i), f"公告{i}") for i in range(5)])
    copy_table = backups.copy_table
    copied, pushed = [], []

    def push_meanwhile(source, target, table):
        if len(copied) == 1:  # the snapshot began with the first table; most are still to come
            worker = threading.Thread(
                target=lambda: pushed.extend(zq.push("530500", record("x", "新")))
            )
            worker.start()
            worker.join()
        copied.append(table.name)
        return copy_table(source, target, table)

    monkeypatch.setattr(backups, "copy_table", push_meanwhile)
    summary = write_backup(zq.store, tmp_path / "backup.sqlite3")
    assert [r.seq for r in pushed] == [6]
    assert (summary.last_seq, summary.rows["records"]) == (5, 5)


@pytest.mark.parametrize("version", [1, SCHEMA_VERSION - 1])
def test_a_backup_of_an_older_schema_is_upgraded_in_a_copy(zq, run, tmp_path, version):
    zq.push("530500", record("1", "公告"), record("2", "有条件", share="conditional"))
    path = tmp_path / "old.sqlite3"
    write_backup(zq.store, path)
    saved = contents(zq.store)
    with sqlite3.connect(path) as old:
        for step in range(SCHEMA_VERSION, version, -1):
            for statement in ADDED_BY[step]:
                old.execute(statement)
        old.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(version),))
    old.close()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    code, out, _ = run("restore", str(path))
    assert code == 0 and f"(upgraded from {version})" in out
    assert contents(zq.store) == saved
    assert hashlib.sha256(path.read_bytes()).hexdigest() == digest


def _not_a_database(path) -> None:
    path.write_text("站群\n", encoding="utf-8")


def _another_database(path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    conn.close()


def _newer_backup(path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute(f"UPDATE meta SET value = '{SCHEMA_VERSION + 1}' WHERE key = 'schema_version'")
    conn.close()


def _backup_without_a_table(path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE api_keys")
    conn.close()


@pytest.mark.parametrize(
    ("spoil", "code"),
    [
        (None, "no_such_file"),
        (_not_a_database, "not_a_backup"),
        (_another_database, "not_a_backup"),
        (_backup_without_a_table, "not_a_backup"),
        (_newer_backup, "backup_too_new"),
    ],
)
def test_what_is_not_a_backup_is_refused_and_the_store_untouched(zq, run, tmp_path, spoil, code):
    zq.push("530500", record("1", "公告"))
    path = tmp_path / "suspect.sqlite3"
    if spoil in (_newer_backup, _backup_without_a_table):
        write_backup(zq.store, path)
    if spoil is not None:
        spoil(path)
    zq.push("530500", record("2", "备份之后的公告"))
    saved, identity = contents(zq.store), store_identity(zq.store)
    exit_code, out, err = run("restore", str(path))
    assert (exit_code, out, err.count("\n")) == (2, "", 1)
    assert err.startswith(f"zhanqun: {code}: {path}")
    assert contents(zq.store) == saved and store_identity(zq.store) == identity
    assert recent_entries(zq.store, action="store.restore") == []


def test_a_backup_never_overwrites_a_file(zq, run, tmp_path):
    path = tmp_path / "precious.txt"
    path.write_text("不要覆盖", encoding="utf-8")
    code, out, err = run("backup", str(path))
    assert (code, out) == (2, "") and err.startswith("zhanqun: file_exists:")
    assert path.read_text(encoding="utf-8") == "不要覆盖"
    code, _, err = run("backup", str(tmp_path / "no" / "such" / "dir.sqlite3"))
    assert code == 2 and "no_such_directory" in err
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "data") == ["precious.txt"]
