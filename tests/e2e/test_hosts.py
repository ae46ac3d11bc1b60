"""Several service hosts over one store and one published index (docs/deployment.md): three
``zhanqun serve`` on loopback ports stand in for three machines behind a load balancer.

They share the store — PostgreSQL in the PostgreSQL run, where this is the real multi-host
set-up; one SQLite file otherwise, as several services on one machine — and read the index
generations that ``zhanqun index``, run on a fourth "host", publishes into its ``DATA_DIR/index``:
each host's ``DATA_DIR/index`` is a symlink to it, standing in for the read-only mount."""

import json
import threading
import time
import urllib.request
from pathlib import Path

import pytest

from tests.databases import store_url
from tests.e2e.conftest import Server, poll, run_zhanqun

pytestmark = pytest.mark.e2e

HOSTS = 3


def post(server: Server, key: str, items: list[dict]) -> dict:
    request = urllib.request.Request(
        server.base_url + "/v1/records",
        data=json.dumps({"items": items}).encode(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def changes(server: Server, key: str, **params: str) -> dict:
    url = server.base_url + "/v1/changes?" + urllib.parse.urlencode(params)
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def found(server: Server, text: str) -> tuple[int, set[str]]:
    """The generation a host searched and the records it found."""
    status, body = server.get("/v1/search", q=text)
    assert status == 200, body
    return body["generation"], {f"{hit['site']}/{hit['id']}" for hit in body["hits"]}


def files(root: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``root`` with its size and modification time."""
    return {
        str(path.relative_to(root)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def test_hosts_share_the_store_and_follow_the_published_index(tmp_path: Path, serve):
    shared = {"database_url": store_url(tmp_path / "store")}
    indexer = tmp_path / "index-host"
    published = indexer / "index"

    def zhanqun(*args: str) -> str:
        return run_zhanqun(indexer, *args, settings=shared).stdout

    zhanqun("sites", "add", "530500", "保山市人民政府", "--tier", "city")
    zhanqun("sites", "add", "530521", "施甸县人民政府", "--tier", "county", "--parent", "530500")
    city = zhanqun("keys", "issue", "--site", "530500", "--scopes", "push").splitlines()[-1]
    county = zhanqun("keys", "issue", "--site", "530521", "--scopes", "push").splitlines()[-1]
    reader = zhanqun("keys", "issue", "--cluster", "--scopes", "pull").splitlines()[-1]

    hosts = []
    for n in range(HOSTS):
        data = tmp_path / f"host-{n}"
        data.mkdir()
        (data / "index").symlink_to(published, target_is_directory=True)
        hosts.append(serve(data, workers="1", **shared))

    # A push through one host is in the feed of every other at once: the store is shared.
    post(hosts[0], city, [{"id": "1", "title": "住房公积金缴存基数调整公告", "body": "正文"}])
    for host in hosts[1:]:
        page = changes(host, reader)
        assert [entry["id"] for entry in page["changes"]] == ["1"]
    cursor = page["next"]

    # Long-poll across hosts: a puller waiting on one hears of a push through another.
    heard: list[dict] = []
    waiting = threading.Thread(
        target=lambda: heard.append(changes(hosts[2], reader, since=cursor, wait="20"))
    )
    waiting.start()
    time.sleep(0.5)
    pushed = time.monotonic()
    post(hosts[1], county, [{"id": "88", "title": "施甸县乡村振兴工作推进会", "body": "正文"}])
    waiting.join()
    assert time.monotonic() - pushed < 5
    assert [entry["id"] for entry in heard[0]["changes"]] == ["88"]

    # The indexer publishes generation 1; every host opens it by itself.
    assert "rebuild gen=1 seq=0->2" in zhanqun("index", "--quiet")

    def everywhere(text: str, generation: int, keys: set[str]):
        return lambda: all(found(host, text) == (generation, keys) for host in hosts for _ in "ab")

    assert poll(everywhere("公积金", 1, {"530500/1"}), deadline=15)
    assert poll(everywhere("乡村振兴", 1, {"530521/88"}), deadline=15)

    # A new record and a full rebuild: generation 2 replaces 1 on every host, without a restart.
    post(hosts[2], city, [{"id": "2", "title": "高黎贡山森林防火通告", "body": "正文"}])
    assert "rebuild gen=2 seq=0->3" in zhanqun("index", "--full", "--quiet")
    before = files(published)
    assert (published / "CURRENT").read_text() == "gen-000002"
    assert poll(everywhere("森林防火", 2, {"530500/2"}), deadline=15)
    assert poll(everywhere("公积金", 2, {"530500/1"}), deadline=15)
    for host in hosts:
        status, health = host.get("/healthz")
        assert status == 200 and health["generation"] == 2
    # Hosts only read the published directory: a read-only mount would do.
    assert files(published) == before
