"""Fixtures of the exchange tests: keys, the real app through Falcon's test client, and the
real app behind a real HTTP server (wsgiref, threaded) for clients that speak HTTP themselves."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import orjson
import pytest
from falcon import testing

from exchange.app import create_app
from exchange.store.keys import issue_key
from indexer.engine.searching import IndexReader


@dataclass
class Api:
    """The app through Falcon's test client, with a key per role."""

    client: testing.TestClient
    keys: dict[str, str]

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        headers = {"Content-Type": "application/json", **extra}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        return headers

    def push(self, who: str, items: list[dict], site: str | None = None, **headers: str):
        body: dict = {"items": items}
        if site is not None:
            body["site"] = site
        return self.client.simulate_post(
            "/v1/records", body=orjson.dumps(body), headers=self.headers(who, **headers)
        )

    def get(self, path: str, who: str | None = None, **params):
        return self.client.simulate_get(path, params=params, headers=self.headers(who))

    def changes(self, who: str, **params) -> dict:
        response = self.get("/v1/changes", who, **params)
        assert response.status_code == 200, response.text
        return response.json

    def pull_all(self, who: str, limit: int = 1000, **params) -> list[dict]:
        """Every change the key may see, page by page."""
        entries, cursor = [], None
        while True:
            page = self.changes(who, limit=limit, **({"since": cursor} if cursor else {}), **params)
            entries += page["changes"]
            cursor = page["next"]
            if not page["more"]:
                return entries


# Keys of the test cluster (tests/conftest.py): the city, a county, a township, the
# department, and the operator's cluster key.
KEYS = {
    "city": ("530500", "push,pull,admin"),
    "county": ("530521", "push,pull,admin"),
    "tengchong": ("530581", "push,pull"),
    "township": ("530521100", "push,pull"),
    "puller": ("530500-fgw", "pull"),
    "operator": (None, "push,pull,admin"),
}


@pytest.fixture
def keys(cluster) -> dict[str, str]:
    return {
        who: issue_key(cluster, site, frozenset(scopes.split(",")), who, "cli:test").token
        for who, (site, scopes) in KEYS.items()
    }


@pytest.fixture
def api(zq, keys) -> Api:
    return Api(testing.TestClient(create_app(zq.config, zq.store, zq.reader)), keys)


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def live_url(zq) -> Iterator[str]:
    """The app on a real HTTP server on a free loopback port."""
    app = create_app(zq.config, zq.store, IndexReader(zq.config.index_dir))
    server = make_server("127.0.0.1", 0, app, _ThreadingServer, _QuietHandler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)
