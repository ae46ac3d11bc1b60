"""Fixtures shared by every test: a real store in a temporary directory (SQLite, or a fresh
PostgreSQL schema when ``ZHANQUN_TEST_DATABASE_URL`` is set: tests/databases.py), a small
cluster of sites, and helpers that push records and run the indexer the way the CLI does."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from exchange.batches import apply_batch
from exchange.index_feed import IndexFeed
from exchange.record_input import parse_item
from exchange.settings import Config
from exchange.store import Store, open_store, tables
from exchange.store.sites import register_site
from exchange.store.writing import ItemResult
from indexer.engine import building
from indexer.engine.searching import IndexReader, SearchRequest, SearchResult, search
from tests import databases, processes

CLUSTER = [
    ("530500", "保山市人民政府", "city", None),
    ("530521", "施甸县人民政府", "county", "530500"),
    ("530581", "腾冲市人民政府", "county", "530500"),
    ("530521100", "甸阳镇人民政府", "township", "530521"),
    ("530500-fgw", "保山市发展和改革委员会", "department", "530500"),
]


@pytest.fixture(scope="session", autouse=True)
def _scratch_database() -> Iterator[None]:
    """Drop the run's scratch PostgreSQL database, if it made one, when the run ends."""
    yield
    databases.finish()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Whatever the test's outcome, end the commands it started and left running, with their
    children (tests/processes.py), before its fixtures close the store they may still use."""
    processes.stop_tracked()


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Config]:
    data_dir = tmp_path / "data"
    # As after its SQLite store is made: tests put the operator's files there.
    data_dir.mkdir()
    url = databases.database_url(data_dir)
    # In-process ``zhanqun`` commands given only --data-dir find the same store.
    monkeypatch.setenv("ZHANQUN_DATABASE_URL", url)
    yield Config(data_dir=data_dir, database_url=url, bind="127.0.0.1:0", workers=1)
    databases.release(data_dir)


@pytest.fixture
def store(config: Config) -> Iterator[Store]:
    store = open_store(config.store_url)
    yield store
    store.dispose()


@pytest.fixture
def cluster(store: Store) -> Store:
    """The store with a small three-tier cluster registered."""
    for code, name, tier, parent in CLUSTER:
        register_site(store, code, name, tier, parent, f"https://{code}.example.gov.cn")
    return store


def record(local_id: str, title: str, body: str = "", **fields) -> dict:
    """A push item with sensible defaults."""
    item = {"id": local_id, "title": title, "body": body or title, "published": "2024-05-01"}
    item.update(fields)
    return item


def store_url_as_before(store: Store, site: str, local_id: str, url: str) -> None:
    """Give a stored record ``url`` as a release that did not check URLs would have stored
    it (a push refuses one that is not http or https now): what is already in a store."""
    r = tables.records.c
    with store.write() as conn:
        conn.execute(
            tables.records.update().where(r.site == site, r.local_id == local_id).values(url=url)
        )


class Cluster:
    """A test's handle on the store and the index: push, index, search."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.reader = IndexReader(config.index_dir, refresh_seconds=0)

    def push(self, site: str, *items: dict) -> list[ItemResult]:
        return apply_batch(self.store, site, [parse_item(i) for i in items])

    def index(self, full: bool = False, **kwargs) -> building.RunSummary:
        return building.run(self.config.index_dir, IndexFeed(self.store), full=full, **kwargs)

    def search(self, text: str = "", **kwargs) -> SearchResult:
        return search(self.reader, SearchRequest(text=text, **kwargs))

    def keys(self, text: str = "", **kwargs) -> set[str]:
        kwargs.setdefault("page_size", 50)
        return {hit.key for hit in self.search(text, **kwargs).hits}


@pytest.fixture
def zq(cluster: Store, config: Config) -> Iterator[Cluster]:
    handle = Cluster(cluster, config)
    yield handle
    handle.reader.close()


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """The demo cluster (400 records and the catalogue's service guides, as of 2026-11-01),
    indexed once for the whole run: for tests that only search it."""
    from datetime import date

    from exchange.demo import load_demo

    data = tmp_path_factory.mktemp("demo")
    config = Config(data_dir=data, database_url=databases.database_url(data),
                    bind="127.0.0.1:0", workers=1)  # fmt: skip
    store = open_store(config.store_url)
    load_demo(store, count=400, today=date(2026, 11, 1))
    cluster = Cluster(store, config)
    cluster.index()
    yield cluster
    cluster.reader.close()
    store.dispose()
    databases.release(data)
