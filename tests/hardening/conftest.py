"""Fixtures of the hardening tests: the real app with a guard configured for the test, keys,
and requests from chosen client addresses; and one app per module, over a small indexed
cluster without limits, for the tests that send it thousands of requests."""

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import orjson
import pytest
from falcon import testing

from exchange.app import create_app
from exchange.batches import apply_batch
from exchange.index_feed import IndexFeed
from exchange.record_input import parse_item
from exchange.settings import Config
from exchange.store import open_store
from exchange.store.keys import issue_key
from exchange.store.sites import register_site
from indexer.engine import building
from indexer.engine.searching import IndexReader
from tests import databases
from tests.conftest import CLUSTER, record

CITIZEN = "198.51.100.7"


@dataclasses.dataclass
class Guarded:
    """The app through Falcon's test client; requests come from ``address`` unless told."""

    client: testing.TestClient
    keys: dict[str, str]

    def get(self, path: str, address: str = CITIZEN, key: str | None = None, **params):
        return self.client.simulate_get(
            path, params=params, remote_addr=address, headers=self._auth(key)
        )

    def push(self, key: str, items: list[dict], address: str = CITIZEN):
        headers = {"Content-Type": "application/json", **self._auth(key)}
        return self.client.simulate_post(
            "/v1/records", body=orjson.dumps({"items": items}), headers=headers,
            remote_addr=address,
        )  # fmt: skip

    def _auth(self, key: str | None) -> dict[str, str]:
        if key is None:
            return {}
        return {"Authorization": f"Bearer {self.keys.get(key, key)}"}


@pytest.fixture
def keys(cluster) -> dict[str, str]:
    """A county CMS's key, a township's, and the operator's cluster key."""
    wanted = {
        "county": ("530521", "push,pull"),
        "township": ("530521100", "push,pull"),
        "operator": (None, "push,pull,admin"),
        "county_admin": ("530521", "admin"),
    }
    return {
        who: issue_key(cluster, site, frozenset(scopes.split(",")), who, "cli:test").token
        for who, (site, scopes) in wanted.items()
    }


@pytest.fixture
def guarded(zq, keys) -> Callable[..., Guarded]:
    """``guarded(rate_limits=…, auto_ban=…, …)``: the app with those settings, over a small
    indexed cluster."""
    zq.push("530521", record("gjj-1", "施甸县住房公积金提取办法", "住房公积金提取须知。"))
    zq.index()

    def build(**settings: str) -> Guarded:
        config = dataclasses.replace(zq.config, **settings)
        return Guarded(testing.TestClient(create_app(config, zq.store, zq.reader)), keys)

    return build


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory) -> Iterator[tuple]:
    """The app over a small indexed cluster, and the operator's key (every scope)."""
    data_dir: Path = tmp_path_factory.mktemp("fuzz") / "data"
    data_dir.mkdir()
    url = databases.database_url(data_dir)
    # Limits would only make the fuzzer meet 429s instead of the code behind them.
    config = Config(data_dir=data_dir, database_url=url, bind="127.0.0.1:0", workers=1,
                    rate_limits="search=off search_key=off exchange=off exchange_key=off",
                    auto_ban="auth=off abuse=off")  # fmt: skip
    store = open_store(config.store_url)
    for code, name, tier, parent in CLUSTER:
        register_site(store, code, name, tier, parent, f"https://{code}.example.gov.cn")
    titles = itertools.cycle(["住房公积金提取办法", "森林防火通告", "政府信息公开年报"])
    for n, (code, *_rest) in enumerate(CLUSTER * 4):
        apply_batch(store, code, [parse_item(record(f"r{n}", f"{next(titles)}{n}"))])
    building.run(config.index_dir, IndexFeed(store))
    token = issue_key(store, None, frozenset({"push", "pull", "admin"}), "fuzz", "cli:test").token
    reader = IndexReader(config.index_dir)
    yield create_app(config, store, reader), token
    reader.close()
    store.dispose()
    databases.release(data_dir)
