"""A store written by an older release is upgraded in place on open, on SQLite and PostgreSQL:
to exactly the shape of a new store, keeping its data and its identity."""

import pytest
from sqlalchemy import inspect, select, text

from exchange.store import open_store, tables
from exchange.store.keys import authenticate, issue_key
from exchange.store.migrations import SCHEMA_VERSION, STEPS, store_id
from tests.conftest import record

# What each step of exchange/store/migrations.py added, undone newest first to take a store
# back to the shape of an older release.
ADDED_BY: dict[int, tuple[str, ...]] = {
    9: ("DROP TABLE best_bets",),
    8: (
        "ALTER TABLE search_log DROP COLUMN client",
        "ALTER TABLE search_log DROP COLUMN suggestible",
        "DROP TABLE hidden_suggestions",
    ),
    7: ("ALTER TABLE bans DROP COLUMN spares_keys",),
    6: ("DROP INDEX ix_records_seq_searchable",),
    5: ("DROP TABLE bans",),
    4: ("DROP TABLE indexer_runs", "DROP TABLE search_clicks"),
    3: ("DROP TABLE search_log",),
    2: (
        "DROP TABLE api_keys",
        "DROP TABLE grants",
        "DROP TABLE audit_log",
        "DROP TABLE idempotent_responses",
        "DROP TABLE mirror_cursors",
        "DROP INDEX ix_records_site_seq",
        "ALTER TABLE records DROP COLUMN reach",
        "DELETE FROM meta WHERE key = 'store_id'",
    ),
}


def test_every_migration_step_can_be_undone_here():
    assert set(ADDED_BY) == set(STEPS) == set(range(2, SCHEMA_VERSION + 1))


def back_to(store, version: int) -> None:
    with store.write() as conn:
        for step in range(SCHEMA_VERSION, version, -1):
            for statement in ADDED_BY[step]:
                conn.execute(text(statement))
        conn.execute(
            text("UPDATE meta SET value = :v WHERE key = 'schema_version'"), {"v": str(version)}
        )
    store.dispose()


def shape(conn) -> dict[str, tuple[set[str], set[str]]]:
    """Each table's column names and index names."""
    inspector = inspect(conn)
    return {
        table: (
            {c["name"] for c in inspector.get_columns(table)},
            {i["name"] for i in inspector.get_indexes(table)},
        )
        for table in inspector.get_table_names()
    }


@pytest.mark.parametrize("version", range(1, SCHEMA_VERSION))
def test_an_old_store_is_upgraded_to_the_shape_of_a_new_one(zq, config, version):
    with zq.store.read() as conn:
        new_shape, identity = shape(conn), store_id(conn)
    zq.push("530500", record("1", "公告"))
    back_to(zq.store, version)

    upgraded = open_store(config.store_url)
    try:
        with upgraded.read() as conn:
            assert shape(conn) == new_shape
            assert conn.execute(
                text("SELECT value FROM meta WHERE key = 'schema_version'")
            ).scalar_one() == str(SCHEMA_VERSION)
            # Cursors given out before the upgrade stay valid: the identity is kept (a store
            # of version 1 had none, and gets a new one).
            assert (store_id(conn) == identity) is (version >= 2)
    finally:
        upgraded.dispose()
    # The upgraded store takes writes, numbered after what it held.
    assert [r.seq for r in zq.push("530500", record("2", "升级后的公告"))] == [2]


def test_a_version_1_store_is_upgraded_with_reach_backfilled(zq, config):
    zq.push(
        "530500",
        record("shared", "公开共享"),
        record("cond", "有条件共享", share="conditional"),
        record("mine", "不予共享", share="none"),
        record("gone", "已撤回"),
    )
    zq.push("530500", {"id": "gone", "deleted": True})
    back_to(zq.store, 1)

    upgraded = open_store(config.store_url)
    try:
        with upgraded.read() as conn:
            assert len(store_id(conn)) == 16
            r = tables.records.c
            reach = dict(conn.execute(select(r.local_id, r.reach)).all())
        assert reach == {"shared": 2, "cond": 1, "mine": 0, "gone": 2}
    finally:
        upgraded.dispose()


def test_a_version_2_store_keeps_its_keys(cluster, config):
    issued = issue_key(cluster, "530521", frozenset({"push"}), "施甸县 CMS", "cli:test")
    back_to(cluster, 2)
    upgraded = open_store(config.store_url)
    try:
        assert authenticate(upgraded, issued.token).site == "530521"
    finally:
        upgraded.dispose()
