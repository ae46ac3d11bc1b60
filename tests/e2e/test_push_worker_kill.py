"""kill -9 of gunicorn workers in the middle of pushes: every client gets an answer or an
error — none hangs — and the store holds exactly the acknowledged writes, whole batches only;
a batch whose answer was lost is either entirely there or entirely absent, and retrying it
with its Idempotency-Key settles which (a replay if it had committed), so nothing is lost and
nothing is written twice."""

import http.client
import os
import random
import signal
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import orjson
import pytest
from sqlalchemy import select

from exchange.store import Store, tables
from exchange.store.keys import issue_key

pytestmark = pytest.mark.e2e

SITES = ["530500", "530521", "530581", "530521100"]
BATCH = 100
KILLS = 4
DEADLINE = 60.0


@dataclass
class Client:
    """One CMS pushing batches one after another, as a site's publishing system would."""

    site: str
    token: str
    port: int
    acknowledged: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)

    def batch(self, number: int) -> bytes:
        items = [{"id": f"{self.site}-{number}-{i}", "title": f"第{number}批第{i}条通知",
                  "body": "施甸县人民政府办公室关于做好防汛工作的通知。" * 40,
                  "published": "2024-06-01"} for i in range(BATCH)]  # fmt: skip
        return orjson.dumps({"site": self.site, "items": items})

    def push(self, number: int) -> tuple[int, dict, bool]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request("POST", "/v1/records", body=self.batch(number), headers={
                "Authorization": f"Bearer {self.token}", "Content-Type": "application/json",
                "Idempotency-Key": f"{self.site}-{number}"})  # fmt: skip
            response = connection.getresponse()
            body = response.read()
            replayed = response.getheader("Idempotent-Replayed") == "true"
            return response.status, orjson.loads(body) if body else {}, replayed
        finally:
            connection.close()

    def run(self, stop: threading.Event) -> None:
        number = 0
        while not stop.is_set():
            try:
                status, body, _ = self.push(number)
                ok = status == 200 and body["counts"].get("created") == BATCH
            except (OSError, http.client.HTTPException, ValueError):
                ok = False
            (self.acknowledged if ok else self.failed).append(number)
            number += 1


def workers_of(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return [int(pid) for pid in children]


def stored_ids(store: Store) -> list[str]:
    with store.read() as conn:
        return list(conn.execute(select(tables.records.c.local_id)).scalars())


def test_killed_workers_lose_no_acknowledged_push_and_write_nothing_twice(cluster, config, serve):
    server = serve(config.data_dir)
    port = int(server.base_url.rsplit(":", 1)[1])
    clients = [
        Client(site, issue_key(cluster, site, frozenset({"push"}), "cms", "cli:test").token, port)
        for site in SITES
    ]
    stop = threading.Event()
    threads = [threading.Thread(target=c.run, args=(stop,), daemon=True) for c in clients]
    for thread in threads:
        thread.start()
    kills = 0
    until = time.monotonic() + DEADLINE
    # Kill a worker whenever pushes are under way, until some were surely cut off mid-request.
    while time.monotonic() < until and (kills < KILLS or not any(c.failed for c in clients)):
        time.sleep(random.uniform(0.4, 1.2))
        workers = workers_of(server.process.pid)
        if workers:
            os.kill(random.choice(workers), signal.SIGKILL)
            kills += 1
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join(timeout=45)
    assert not any(thread.is_alive() for thread in threads), "a client never got an answer"
    failed = sum(len(c.failed) for c in clients)
    acknowledged = sum(len(c.acknowledged) for c in clients)
    print(f"{kills} workers killed; {acknowledged} batches acknowledged, {failed} cut off")
    assert kills >= KILLS and failed >= 1 and acknowledged >= 10

    # What the store holds: every acknowledged batch whole, any other batch whole or absent.
    ids = stored_ids(cluster)
    assert len(ids) == len(set(ids))
    held: dict[tuple[str, int], int] = {}
    for local_id in ids:
        site, number, _ = local_id.rsplit("-", 2)
        held[site, int(number)] = held.get((site, int(number)), 0) + 1
    for client in clients:
        pushed = set(client.acknowledged) | set(client.failed)
        assert {n for s, n in held if s == client.site} <= pushed
        for number in client.acknowledged:
            assert held.get((client.site, number)) == BATCH
        for number in client.failed:
            assert held.get((client.site, number), 0) in (0, BATCH)

    # The clients retry what failed with the same Idempotency-Key: a batch that had committed
    # is replayed, not written again; one that had not is written now.
    replays = 0
    for client in clients:
        for number in client.failed:
            status, body, replayed = client.push(number)
            assert status == 200 and body["counts"].get("created") == BATCH
            assert replayed == (held.get((client.site, number)) == BATCH)
            replays += replayed
    print(f"{replays} lost answers were of batches that had committed")
    ids = stored_ids(cluster)
    assert len(ids) == len(set(ids)) == BATCH * (acknowledged + failed)
    with cluster.read() as conn:
        seqs = list(conn.execute(select(tables.records.c.seq)).scalars())
    assert len(set(seqs)) == len(seqs)
