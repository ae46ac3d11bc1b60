"""A parallel rebuild's sub-writers: one killed by SIGKILL (what the OOM killer does) fails the
run — exit 70, CURRENT untouched, the old generation serving every record, the cause in the
run log — and the next run finishes the rebuild; a rebuild started from a process forked
after the indexer was imported writes with its sub-writers and publishes every record."""

import multiprocessing
import os
import signal
import sys
import time

import pytest

from exchange.store import Store
from exchange.supervision.runs import recent_runs
from indexer.engine.generations import Generations
from tests import processes
from tests.e2e.conftest import zhanqun_env
from tests.e2e.test_indexer_crash import expected, indexed, item, push

pytestmark = pytest.mark.e2e

RECORDS = 3_000
# `zhanqun index`, made to fork two sub-writers however small the rebuild (it forks them for
# 20,000 changes or more, on a machine of two cores or more).
PARALLEL_ZHANQUN = (
    "import sys; from indexer.engine import building; building.BULK_MIN_CHANGES = 1; "
    "building.os.cpu_count = lambda: 2; from exchange.cli import main; sys.exit(main(sys.argv[1:]))"
)

needs_fork = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="parallel rebuilds need fork (Linux)"
)


@pytest.fixture
def stored(cluster: Store, config):
    push(cluster, {i: item(i) for i in range(RECORDS)})
    return cluster, config


def _sub_writers(pid: int, count: int, deadline: float) -> set[int]:
    writers: set[int] = set()
    while time.monotonic() < deadline and len(writers) < count:
        writers = processes.children(of=pid)
        time.sleep(0.01)
    return writers


@needs_fork
def test_a_killed_sub_writer_fails_the_rebuild_and_the_old_generation_serves_everything(stored):
    store, config = stored
    root = config.index_dir
    generations = Generations(root)
    processes.start(
        [sys.executable, "-m", "exchange.cli", "index", "--quiet"],
        env=zhanqun_env(config.data_dir),
        cwd=config.data_dir.parent,
    ).wait(timeout=300)
    assert generations.current() == 1
    rebuild = processes.start(
        [sys.executable, "-c", PARALLEL_ZHANQUN, "index", "--full", "--quiet"],
        tracked=True,
        env=zhanqun_env(config.data_dir),
        cwd=config.data_dir.parent,
        stdout=processes.subprocess.PIPE,
        stderr=processes.subprocess.PIPE,
        text=True,
    )
    writers = _sub_writers(rebuild.pid, 2, time.monotonic() + 60)
    assert len(writers) == 2, "the rebuild never started its two sub-writers"
    victim = min(writers)
    os.kill(victim, signal.SIGKILL)
    out, err = rebuild.communicate(timeout=120)
    assert rebuild.returncode == 70, (out, err)
    assert "sub-writer" in err and "nothing was published" in err
    assert out == ""
    # Nothing switched: the generation serving before serves on, whole.
    assert generations.current() == 1
    assert indexed(root, 1) == expected(store)
    runs = recent_runs(store, 1)
    assert runs[0].outcome == "failed" and "sub-writer" in runs[0].error
    assert "sub-writer" in generations.problem()
    # No sub-writer is left behind to hold the lock or write into the generation.
    assert not processes.running(writers, seconds=0)
    again = processes.start(
        [sys.executable, "-m", "exchange.cli", "index", "--quiet"],
        tracked=True,
        env=zhanqun_env(config.data_dir),
        cwd=config.data_dir.parent,
        stdout=processes.subprocess.PIPE,
        text=True,
    )
    out, _ = again.communicate(timeout=300)
    assert again.returncode == 0
    assert "resume-rebuild gen=2 " in out
    assert generations.current() == 2 and generations.problem() is None
    assert indexed(root, 2) == expected(store)


def _forked_rebuild(index_dir, store_url) -> None:
    from exchange.index_feed import IndexFeed
    from exchange.store import open_store
    from indexer.engine import building

    building.BULK_MIN_CHANGES = 1
    building.os.cpu_count = lambda: 2
    building.run(index_dir, IndexFeed(open_store(store_url)), full=True)


@needs_fork
def test_a_rebuild_from_a_process_forked_after_import_writes_every_record(stored):
    store, config = stored
    # The indexer is imported here, in the test runner; the rebuild runs in a child forked
    # from it, as a job scheduler would run it.
    from indexer.engine import building  # noqa: F401

    child = processes.fork(_forked_rebuild, config.index_dir, config.store_url)
    child.join(timeout=300)
    assert child.exitcode == 0
    generations = Generations(config.index_dir)
    assert generations.current() == 1
    index = generations.open(1)
    try:
        # One segment from each of the two sub-writers: they wrote, not the parent alone.
        assert len(index._segments()) == 2
    finally:
        index.close()
    assert indexed(config.index_dir, 1) == expected(store)
