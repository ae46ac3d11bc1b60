"""Rate limits and bans on a real gunicorn with two workers: the workers share their counts
(a client gets its limit once, not once per worker), an automatic ban placed by one worker
is enforced by the other within a second — except for a request with a valid key — and
``zhanqun bans`` lifts it for all. The access log names the client and, apart, the proxy."""

import json
import threading
import time
import urllib.error
import urllib.request
from collections import Counter

import pytest

from tests.e2e.conftest import run_zhanqun

pytestmark = pytest.mark.e2e

WRONG_KEY = "zq_0123456789ab." + "A" * 43


def request(
    base_url: str, path: str, client: str, key: str | None = None, body: bytes | None = None
) -> int:
    """The status of GET ``path`` (POST of a JSON ``body``) as the proxy on loopback forwards
    it for ``client``."""
    headers = {"X-Forwarded-For": client, "Content-Type": "application/json"}
    if key:
        headers["Authorization"] = f"Bearer {key}"
    try:
        with urllib.request.urlopen(
            urllib.request.Request(base_url + path, data=body, headers=headers), timeout=10
        ) as response:
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


def in_parallel(count: int, call) -> list[int]:
    results: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        status = call(n)
        with lock:
            results.append(status)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


def search_pids(log: str, after: int) -> set[int]:
    """The worker pids that answered /v1/stats, from the JSON access log."""
    pids = set()
    for line in log.splitlines()[after:]:
        if '"gunicorn.access"' in line and '"/v1/stats"' in line:
            pids.add(json.loads(line)["pid"])
    return pids


def test_workers_share_rate_limits_and_bans(cluster, config, serve):
    server = serve(
        config.data_dir,
        rate_limits="search=10/minute",
        auto_ban="auth=5/10minutes abuse=10000/10minutes for=1h",
    )
    base = server.base_url
    start = len(server.output().splitlines())

    # Many requests at once, until both workers have answered some of them (on a busy
    # machine one worker can accept round after round: keep going for up to a minute).
    answers: Counter[int] = Counter()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        answers.update(in_parallel(16, lambda n: request(base, "/v1/stats", "203.0.113.50")))
        if len(search_pids(server.output(), start)) == 2:
            break
    assert len(search_pids(server.output(), start)) == 2, "both workers must have answered"
    assert answers[200] == 10 and answers[429] == answers.total() - 10
    assert request(base, "/v1/stats", "203.0.113.51") == 200
    access = [json.loads(line) for line in server.output().splitlines()[start:]
              if '"gunicorn.access"' in line and '"/v1/stats"' in line]  # fmt: skip
    assert {(a["client"], a["proxy"]) for a in access} >= {("203.0.113.50", "127.0.0.1")}

    failures = in_parallel(6, lambda n: request(base, "/v1/changes", "203.0.113.60", WRONG_KEY))
    assert failures == [401] * 6
    time.sleep(1.2)  # the other worker rereads the bans
    assert set(in_parallel(10, lambda n: request(base, "/v1/stats", "203.0.113.60"))) == {403}
    assert request(base, "/v1/stats", "203.0.113.61") == 200
    # The county's CMS behind the same address still pushes with its key.
    issued = run_zhanqun(config.data_dir, "keys", "issue", "--site", "530521", "--scopes", "push")
    cms_key = issued.stdout.strip().splitlines()[-1]
    item = json.dumps({"items": [{"id": "cms-1", "title": "通知", "body": "正文"}]}).encode()
    assert request(base, "/v1/records", "203.0.113.60", cms_key, item) == 200
    assert request(base, "/v1/records", "203.0.113.60", WRONG_KEY, item) == 403

    listed = run_zhanqun(config.data_dir, "bans", "list").stdout.splitlines()
    assert len(listed) == 1 and "203.0.113.60" in listed[0] and "service:guard" in listed[0]
    run_zhanqun(config.data_dir, "bans", "lift", listed[0].split("\t")[0])
    time.sleep(1.2)
    assert set(in_parallel(4, lambda n: request(base, "/v1/stats", "203.0.113.60"))) == {200}
    audit = run_zhanqun(config.data_dir, "audit", "--action", "ban.add").stdout
    assert "service:guard" in audit and "203.0.113.60" in audit
