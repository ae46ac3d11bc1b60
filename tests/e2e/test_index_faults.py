"""Faults of the index's disk, against a real gunicorn: a read-only or full index directory
makes ``zhanqun index`` fail clearly (exit 69, a sentence naming the cause) while the service
keeps serving the last good generation; a damaged generation is detected, reported by
``/healthz``, ``/readyz`` and the log, and rebuilt from the store by the next run.

The read-only and full-disk cases mount over the index directory (a read-only bind mount, a
small tmpfs), as root does on these machines and in CI.
"""

import contextlib
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from exchange.batches import apply_batch
from exchange.record_input import parse_item
from exchange.store import Store
from indexer.engine.generations import Generations
from tests.e2e.conftest import poll, run_zhanqun

pytestmark = pytest.mark.e2e

SITE = "530521"


def push(store: Store, start: int, count: int, word: str = "公积金") -> None:
    items = [
        parse_item({"id": f"d{n}", "title": f"{word}第{n}号通知",
                    "body": f"施甸县住房{word}管理中心第{n}号通知，办理时间和材料。" * 20,
                    "published": "2024-05-01"})
        for n in range(start, start + count)
    ]  # fmt: skip
    apply_batch(store, SITE, items)


def total(server, q: str) -> tuple[int, int]:
    """(hits, generation) of a search through the service; fails on anything but 200."""
    status, body = server.get("/v1/search", q=q, scope="cluster")
    assert status == 200, body
    return body["total"], body["generation"]


def mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True)


@contextlib.contextmanager
def mounted(target: Path, *args: str) -> Iterator[None]:
    mount(*args, str(target))
    try:
        yield
    finally:
        subprocess.run(["umount", "-l", str(target)], check=False)


def served(server, generation: int, deadline: float = 15) -> bool:
    return bool(poll(lambda: server.get("/healthz")[1].get("generation") == generation, deadline))


def test_a_read_only_index_fails_the_run_clearly_and_search_goes_on(cluster, config, serve):
    push(cluster, 0, 50)
    run_zhanqun(config.data_dir, "index", "--quiet")
    server = serve(config.data_dir)
    assert total(server, "公积金") == (50, 1)
    root = config.index_dir
    with mounted(root, "--bind", str(root)):
        mount("-o", "remount,bind,ro", str(root))
        push(cluster, 50, 10)
        for flags in ([], ["--full"]):
            failed = run_zhanqun(config.data_dir, "index", "--quiet", *flags, expect=69)
            assert "Read-only file system" in failed.stderr
            assert "the index in use is unchanged" in failed.stderr
            assert "Traceback" not in failed.stderr
            assert total(server, "公积金") == (50, 1)
    assert server.get("/healthz")[0] == 200
    run_zhanqun(config.data_dir, "index", "--quiet")
    assert poll(lambda: total(server, "公积金") == (60, 1), 15)


def test_a_full_disk_fails_the_rebuild_clearly_and_the_next_run_finishes_it(cluster, config, serve):
    root = config.index_dir
    root.mkdir()
    with mounted(root, "-t", "tmpfs", "-o", "size=64m", "tmpfs"):
        push(cluster, 0, 300)
        run_zhanqun(config.data_dir, "index", "--quiet")
        used = sum(p.stat().st_size for p in root.rglob("*") if p.is_file())
        # Room for what is there and half as much again: a rebuild of more records won't fit.
        mount("-o", f"remount,size={used * 3 // 2}", str(root))
        server = serve(config.data_dir)
        assert total(server, "公积金") == (300, 1)
        push(cluster, 300, 300, word="医保")
        failed = run_zhanqun(config.data_dir, "index", "--quiet", "--full", expect=69)
        assert "No space left on device" in failed.stderr.splitlines()[-1]
        assert Generations(root).current() == 1
        assert total(server, "公积金") == (300, 1)
        assert server.get("/readyz")[0] == 200
        mount("-o", "remount,size=256m", str(root))
        finished = run_zhanqun(config.data_dir, "index", "--quiet").stdout
        assert "resume-rebuild gen=2" in finished
        assert served(server, 2)
        assert total(server, "医保") == (300, 2)
        server.stop()


def flip_bytes(path: Path) -> None:
    """Bit rot: the same size, other bytes, in the middle of the file."""
    data = bytearray(path.read_bytes())
    for i in range(len(data) // 3, 2 * len(data) // 3, 101):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))


def test_a_damaged_generation_is_reported_and_rebuilt_from_the_store(cluster, config, serve):
    push(cluster, 0, 200)
    run_zhanqun(config.data_dir, "index", "--quiet")
    generation = Generations(config.index_dir).path(1)
    # A TOC cut short: no worker can open the generation.
    toc = next(generation.glob("_MAIN_*.toc"))
    toc.write_bytes(toc.read_bytes()[:64])
    server = serve(config.data_dir)
    status, health = server.get("/healthz")
    assert status == 503 and health["checks"]["index"] == "damaged"
    assert "cannot open index generation 1" in health["index_problem"]
    assert server.get("/readyz")[0] == 503
    status, body = server.get("/v1/search", q="公积金")
    assert status == 503 and body["error"]["code"] == "index_unavailable"
    assert poll(lambda: "cannot open index generation 1" in server.output(), 10)

    repaired = run_zhanqun(config.data_dir, "index", "--quiet")
    assert "damaged index, rebuilt from the store: generation 1" in repaired.stderr
    assert "repair-rebuild gen=2" in repaired.stdout
    assert served(server, 2)
    assert total(server, "公积金") == (200, 2)
    status, health = server.get("/healthz")
    assert status == 200 and "index_problem" not in health

    # Bit rot that Whoosh would open without noticing: the manifest's digests notice it. An
    # ordinary run reads a file's digest once a day (tests/test_integrity.py); --verify, now.
    flip_bytes(
        max(Generations(config.index_dir).path(2).glob("*.seg"), key=lambda p: p.stat().st_size)
    )
    repaired = run_zhanqun(config.data_dir, "index", "--quiet", "--verify")
    assert "its content changed after it was written" in repaired.stderr
    assert "repair-rebuild gen=3" in repaired.stdout
    assert served(server, 3)
    assert total(server, "公积金") == (200, 3)
