"""Fixtures of the hardening tests: the real app with a guard configured for the test, keys,
and requests from chosen client addresses."""

import dataclasses
from collections.abc import Callable

import orjson
import pytest
from falcon import testing

from exchange.app import create_app
from exchange.store.keys import issue_key
from tests.conftest import record

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
