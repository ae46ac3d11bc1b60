"""A store written by the foundation release (schema 1) is upgraded in place on open."""

from sqlalchemy import inspect, select, text

from exchange.store import open_store, tables
from exchange.store.migrations import SCHEMA_VERSION, store_id
from tests.conftest import record


def test_a_version_1_store_is_upgraded_with_reach_backfilled(zq, config):
    zq.push(
        "530500",
        record("shared", "公开共享"),
        record("cond", "有条件共享", share="conditional"),
        record("mine", "不予共享", share="none"),
        record("gone", "已撤回"),
    )
    zq.push("530500", {"id": "gone", "deleted": True})
    # Take the store back to the shape of schema version 1.
    with zq.store.write() as conn:
        tables_since_1 = (
            "api_keys", "grants", "audit_log", "idempotent_responses", "mirror_cursors",
            "search_log",
        )  # fmt: skip
        for table in tables_since_1:
            conn.execute(text(f"DROP TABLE {table}"))
        conn.execute(text("DROP INDEX ix_records_site_seq"))
        conn.execute(text("ALTER TABLE records DROP COLUMN reach"))
        conn.execute(text("DELETE FROM meta WHERE key = 'store_id'"))
        conn.execute(text("UPDATE meta SET value = '1' WHERE key = 'schema_version'"))
    zq.store.dispose()

    upgraded = open_store(config.store_url)
    try:
        with upgraded.read() as conn:
            version = conn.execute(text("SELECT value FROM meta WHERE key='schema_version'"))
            assert version.scalar_one() == str(SCHEMA_VERSION)
            assert len(store_id(conn)) == 16
            r = tables.records.c
            reach = dict(conn.execute(select(r.local_id, r.reach)).all())
            names = set(inspect(conn).get_table_names())
            indexes = {i["name"] for i in inspect(conn).get_indexes("records")}
        assert reach == {"shared": 2, "cond": 1, "mine": 0, "gone": 2}
        assert {"api_keys", "grants", "audit_log", "mirror_cursors", "search_log"} <= names
        assert "ix_records_site_seq" in indexes
    finally:
        upgraded.dispose()
