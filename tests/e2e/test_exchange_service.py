"""End to end on a real gunicorn (two workers): keys from the command line, concurrent pushers
and a puller over HTTP, long-poll across workers, and ``zhanqun pull`` killed and resumed."""

import json
import os
import signal
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import func, select

from exchange.store import open_store, tables
from tests.databases import store_url
from tests.e2e.conftest import poll, run_zhanqun, start_zhanqun

pytestmark = pytest.mark.e2e

SITES = [
    ("530500", "保山市人民政府", "city", None),
    ("530521", "施甸县人民政府", "county", "530500"),
    ("530581", "腾冲市人民政府", "county", "530500"),
    ("530502", "隆阳区人民政府", "county", "530500"),
]
BATCHES, SIZE = 20, 10


def issue(data: Path, *args: str) -> str:
    """A key from ``zhanqun keys issue``: the token is the last line of its output."""
    return run_zhanqun(data, "keys", "issue", *args).stdout.splitlines()[-1]


def call(base: str, key: str, path: str, body: dict | None = None, **params) -> dict:
    url = base + path + ("?" + urllib.parse.urlencode(params) if params else "")
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        url,
        data=data,
        headers={
            "Authorization": f"Bearer {key}",
            "Content-Type": "application/json",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            pytest.fail(f"{path}: {error.code} {error.read()[:300]!r}")


@pytest.fixture
def city(tmp_path: Path) -> Path:
    data = tmp_path / "city"
    for code, name, tier, parent in SITES:
        run_zhanqun(
            data,
            "sites",
            "add",
            code,
            name,
            "--tier",
            tier,
            *(["--parent", parent] if parent else []),
        )
    return data


def test_concurrent_pushers_a_puller_and_a_resumed_mirror(city: Path, tmp_path: Path, serve):
    pushers = {code: issue(city, "--site", code, "--scopes", "push") for code, *_ in SITES}
    reader = issue(city, "--cluster", "--scopes", "pull")
    county = issue(city, "--site", "530521", "--scopes", "pull")
    # The puller reads pages of 7 as fast as it can: a stress of the cursor, not a client that
    # the per-key rate limit (docs/security.md) should let through.
    server = serve(city, rate_limits="exchange_key=off")
    expected = {
        f"{code}/{code}-{b}-{i}" for code in pushers for b in range(BATCHES) for i in range(SIZE)
    }

    errors: list[BaseException] = []

    def push(code: str, key: str) -> None:
        try:
            for b in range(BATCHES):
                items = [
                    {"id": f"{code}-{b}-{i}", "title": f"公告 {b} {i}", "body": "正文"}
                    for i in range(SIZE)
                ]
                answer = call(server.base_url, key, "/v1/records", {"items": items})
                assert {r["outcome"] for r in answer["results"]} == {"created"}
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=push, args=item) for item in pushers.items()]
    for thread in threads:
        thread.start()
    seen: list[tuple[int, str]] = []
    cursor: str | None = None
    deadline = time.monotonic() + 120
    while (any(t.is_alive() for t in threads) or len(seen) < len(expected)) and not errors:
        assert time.monotonic() < deadline, f"the puller saw {len(seen)} of {len(expected)}"
        page = call(
            server.base_url,
            reader,
            "/v1/changes",
            limit=7,
            wait=1,
            **({"since": cursor} if cursor else {}),
        )
        seen += [(e["seq"], f"{e['site']}/{e['id']}") for e in page["changes"]]
        cursor = page["next"]
    for thread in threads:
        thread.join()
    assert not errors, errors
    # Every change once, in commit order, none skipped, although four writers raced.
    assert [seq for seq, _ in seen] == list(range(1, len(expected) + 1))
    assert {key for _, key in seen} == expected

    # Long-poll across workers: a puller waiting in one worker hears of a push to another.
    answers: list[dict] = []
    waiting = threading.Thread(
        target=lambda: answers.append(
            call(server.base_url, reader, "/v1/changes", since=cursor, wait=20)
        )
    )
    waiting.start()
    time.sleep(0.5)
    pushed = time.monotonic()
    call(
        server.base_url,
        pushers["530500"],
        "/v1/records",
        {"items": [{"id": "late", "title": "迟到", "body": "正文"}]},
    )
    waiting.join()
    assert time.monotonic() - pushed < 5
    assert [e["id"] for e in answers[0]["changes"]] == ["late"]

    # The county mirrors the city, is killed part way, and resumes to an exact copy.
    local = tmp_path / "county"
    mirror = start_zhanqun(
        local,
        "pull",
        "--from",
        server.base_url,
        "--key",
        county,
        "--limit",
        "3",
    )
    # Opened while the mirror creates it: opening a store twice at once is safe.
    store = open_store(store_url(local))

    def count(table) -> int:
        with store.read() as conn:
            return conn.execute(select(func.count()).select_from(table)).scalar_one()

    try:
        assert poll(lambda: count(tables.mirror_cursors), deadline=30), "no cursor saved"
        os.killpg(mirror.pid, signal.SIGKILL)
        mirror.communicate()
        assert mirror.returncode == -signal.SIGKILL, "the mirror finished before it was killed"
        assert 0 < count(tables.records) < len(expected) + 1

        done = run_zhanqun(
            local, "pull", "--from", server.base_url, "--key", county, "--limit", "500"
        )
        assert "created=" in done.stdout
        r = tables.records.c
        with store.read() as conn:
            rows = conn.execute(select(r.site, r.local_id)).all()
    finally:
        store.dispose()
    assert sorted(f"{site}/{local_id}" for site, local_id in rows) == sorted(
        expected | {"530500/late"}
    )
    again = run_zhanqun(local, "pull", "--from", server.base_url, "--key", county)
    assert "changes=0" in again.stdout
    assert "pull" in run_zhanqun(local, "audit", "--limit", "1").stdout
