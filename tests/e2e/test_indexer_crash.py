"""kill -9 of ``zhanqun index``: at any instant, searchers keep answering from the last good
generation, and the next run leaves exactly the searchable records of the store in the index,
each once and at its latest version. Also: a second run while one holds the lock exits 75."""

import contextlib
import json
import multiprocessing
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from exchange.batches import apply_batch
from exchange.record_input import parse_item
from exchange.settings import Config
from exchange.store import Store, tables
from exchange.store.feed import last_seq
from indexer.engine.generations import Generations
from indexer.engine.searching import IndexReader, IndexUnavailable, SearchRequest, search
from indexer.locking import RunLock
from tests import processes
from tests.conftest import CLUSTER
from tests.e2e.conftest import run_zhanqun, start_zhanqun

pytestmark = pytest.mark.e2e

RECORDS = 2_000
SITES = [code for code, *_ in CLUSTER]
SENTENCES = (
    "保山市住房公积金管理中心发布第{n}号公告，调整{r}年度缴存基数和提取办法。",
    "施甸县人民政府召开第{n}次常务会议，研究部署乡村振兴和第{r}轮产业发展工作。",
    "腾冲市文化和旅游局第{n}期简报：高黎贡山生态旅游接待游客{r}万人次。",
    "甸阳镇便民服务中心公布第{n}批社会保障卡和城乡居民医疗保险办理指南（第{r}版）。",
    "保山市发展和改革委员会通报第{n}个重大项目建设进展，推出优化营商环境{r}条措施。",
    "国务院办公厅印发的政务公开工作要点第{n}条已转发，请各单位于第{r}季度落实。",
)


def item(i: int, r: int = 0, **fields) -> dict:
    body = "".join(SENTENCES[(i + k) % len(SENTENCES)].format(n=i + k, r=r) for k in range(8))
    published = f"20{10 + i % 15}-{1 + i % 12:02d}-{1 + i % 28:02d}"
    title = SENTENCES[i % len(SENTENCES)].format(n=i, r=r)[:40]
    return {"id": f"doc-{i}", "title": title, "body": body, "published": published, **fields}


def push(store: Store, items: dict[int, dict]) -> None:
    """Push items (record number → item) to their sites, a thousand at a time."""
    by_site: dict[str, list] = {}
    for i, raw in items.items():
        by_site.setdefault(SITES[i % len(SITES)], []).append(parse_item(raw))
    for site, batch in by_site.items():
        for start in range(0, len(batch), 1_000):
            apply_batch(store, site, batch[start : start + 1_000])


def churn(store: Store, r: int, count: int = RECORDS) -> None:
    """Round ``r`` of changes: updates, deletions, records made non-public, new records."""
    items: dict[int, dict] = {}
    for i in range(count):
        action = (i + r) % 10
        if action < 4:
            items[i] = item(i, r)
        elif action == 4:
            items[i] = {"id": f"doc-{i}", "deleted": True}
        elif action == 5:
            items[i] = item(i, r, public=False)
    items.update({i: item(i, r) for i in range(count + 200 * r, count + 200 * (r + 1))})
    push(store, items)


def expected(store: Store) -> dict[str, int]:
    """Key → change sequence number of every record public search may show."""
    r = tables.records.c
    live = select(r.site, r.local_id, r.seq).where(
        r.deleted.is_(False), r.public.is_(True), r.review.in_(("none", "released"))
    )
    with store.read() as conn:
        return {f"{site}/{local_id}": seq for site, local_id, seq in conn.execute(live)}


def indexed(root: Path, number: int) -> dict[str, int]:
    """Key → seq of every document in a generation; fails on a key indexed twice."""
    with Generations(root).open(number).searcher() as searcher:
        docs = [(doc["key"], doc["seq"]) for doc in searcher.documents()]
    keys = [key for key, _ in docs]
    assert len(keys) == len(set(keys)), f"{len(keys) - len(set(keys))} keys indexed twice"
    return dict(docs)


def last_seq_of(store: Store) -> int:
    with store.read() as conn:
        return last_seq(conn)


def kill_run(data_dir: Path, after: float, *flags: str) -> bool:
    """Start an index run and SIGKILL it ``after`` seconds later; whether it was still running."""
    run = start_zhanqun(data_dir, "index", "--quiet", "--commit-every", "500", *flags)
    try:
        run.wait(timeout=after)
    except subprocess.TimeoutExpired:
        os.kill(run.pid, signal.SIGKILL)
    out, err = run.communicate(timeout=30)
    assert run.returncode in (0, -signal.SIGKILL), f"{run.returncode}\n{out}\n{err}"
    return run.returncode == -signal.SIGKILL


def kill_when(data_dir: Path, happened: Callable[[], bool], *flags: str) -> bool:
    """Start an index run and SIGKILL it as soon as ``happened()``; whether it was killed."""
    run = start_zhanqun(data_dir, "index", "--quiet", "--commit-every", "500", *flags)
    until = time.monotonic() + 120
    while run.poll() is None and time.monotonic() < until:
        if happened():
            os.kill(run.pid, signal.SIGKILL)
            break
        time.sleep(0.0005)
    out, err = run.communicate(timeout=60)
    assert run.returncode in (0, -signal.SIGKILL), f"{run.returncode}\n{out}\n{err}"
    return run.returncode == -signal.SIGKILL


def whoosh_committed(root: Path) -> Callable[[], bool]:
    """A new Whoosh commit (TOC file): most likely before the run records the seq reached."""

    def commits() -> set[Path]:
        return {p for p in root.glob("gen-*/_MAIN_*.toc") if p.name != "_MAIN_0.toc"}

    before = commits()
    return lambda: bool(commits() - before)


def seq_recorded(root: Path) -> Callable[[], bool]:
    """A generation's state.json records a higher seq: a commit is done, the next one is not."""

    def seqs() -> dict[str, int]:
        found = {}
        for path in root.glob("gen-*/state.json"):
            with contextlib.suppress(OSError, ValueError):
                found[path.parent.name] = json.loads(path.read_bytes())["seq"]
        return found

    before = seqs()
    return lambda: any(seq > before.get(name, 0) for name, seq in seqs().items())


def assert_serves(reader: IndexReader, generation: int) -> None:
    """The long-lived reader (a server worker, in effect) answers from ``generation``."""
    result = search(reader, SearchRequest(text="公积金", page_size=5))
    assert result.total > 0 and result.hits
    assert result.generation == generation
    fresh = IndexReader(reader.generations.root, refresh_seconds=0)
    try:
        assert search(fresh, SearchRequest(text="营商环境")).generation == generation
    finally:
        fresh.close()


def finish_run(data_dir: Path, store: Store, config: Config) -> str:
    """The run after a kill: exits 0 and leaves exactly the searchable records, once each."""
    out = run_zhanqun(data_dir, "index", "--quiet").stdout
    current = Generations(config.index_dir).current()
    assert current is not None
    assert indexed(config.index_dir, current) == expected(store)
    return out


@pytest.fixture
def loaded(cluster: Store, config: Config) -> Iterator[tuple[Store, Config, IndexReader]]:
    """The test cluster with RECORDS records, and a reader that refreshes on every search."""
    push(cluster, {i: item(i) for i in range(RECORDS)})
    reader = IndexReader(config.index_dir, refresh_seconds=0)
    yield cluster, config, reader
    reader.close()


def test_killed_incremental_runs_recover(loaded) -> None:
    store, config, reader = loaded
    data_dir, root = config.data_dir, config.index_dir
    generations = Generations(root)

    # The first build, killed: no generation to serve yet, which is fine before any success.
    started = time.monotonic()
    if kill_run(data_dir, 1.2):
        assert generations.current() is None
        with pytest.raises(IndexUnavailable):
            search(reader, SearchRequest(text="公积金"))
    out = finish_run(data_dir, store, config)
    print(f"first build finished in {time.monotonic() - started:.1f} s: {out.strip()}")
    assert generations.current() == 1
    assert_serves(reader, 1)

    interrupted = 0
    kills = (
        lambda: kill_run(data_dir, 0.3),
        lambda: kill_run(data_dir, 1.0),
        lambda: kill_when(data_dir, whoosh_committed(root)),
        lambda: kill_when(data_dir, seq_recorded(root)),
    )
    for r, kill in enumerate(kills, start=1):
        churn(store, r)
        before, end = generations.state(1).seq, last_seq_of(store)
        killed = kill()
        reached = generations.state(1).seq
        print(f"round {r}: killed={killed}, seq {before}->{reached} of {end}")
        interrupted += killed and before < reached < end
        assert generations.current() == 1
        indexed(root, 1)  # what the kill left committed has no key twice
        assert_serves(reader, 1)
        assert "incremental gen=1" in finish_run(data_dir, store, config)
        assert_serves(reader, 1)
    assert interrupted, "no kill landed between two commits of a run"


def test_killed_rebuilds_resume_while_the_old_generation_serves(loaded) -> None:
    store, config, reader = loaded
    data_dir, root = config.data_dir, config.index_dir
    generations = Generations(root)
    churn(store, 1)  # deleted and non-public records, which no generation may hold
    finish_run(data_dir, store, config)
    assert_serves(reader, 1)

    resumed = 0
    kills = (
        lambda: kill_run(data_dir, 1.0, "--full"),
        lambda: kill_when(data_dir, whoosh_committed(root), "--full"),
        lambda: kill_when(data_dir, seq_recorded(root), "--full"),
    )
    for r, kill in enumerate(kills, start=2):
        old = generations.current()
        killed = kill()
        unfinished = generations.unfinished()
        print(f"rebuild {r}: killed={killed} unfinished={unfinished}")
        if killed:
            # The rebuild never switched: the old generation is still the one searched.
            assert generations.current() == old
            assert_serves(reader, old)
        # Records change while the rebuild is suspended: above its snapshot, below it, gone.
        push(store, {i: item(i, r, column="政务公开/通知公告") for i in range(0, 60, 3)})
        push(store, {i: {"id": f"doc-{i}", "deleted": True} for i in range(1, 60, 7)})
        out = finish_run(data_dir, store, config)
        if unfinished is not None:
            assert f"resume-rebuild gen={unfinished} " in out
            assert generations.current() == unfinished
            assert set(generations.numbers()) == {old, unfinished}  # older ones are dropped
            resumed += 1
        assert generations.current() > old or unfinished is None
        assert_serves(reader, generations.current())
    assert resumed, "no kill landed in the middle of a rebuild"


def test_a_second_run_exits_75_while_one_holds_the_lock(cluster: Store, config: Config) -> None:
    push(cluster, {i: item(i) for i in range(20)})
    data_dir, root = config.data_dir, config.index_dir
    with RunLock(root / "indexer.lock"):
        started = time.monotonic()
        busy = run_zhanqun(data_dir, "index", "--quiet", expect=75)
        assert time.monotonic() - started < 10, "the second run waited for the lock"
        assert "another indexer run holds" in busy.stderr
        assert f"(pid {os.getpid()})" in busy.stderr and "not started" in busy.stderr
        assert busy.stdout == ""
        assert Generations(root).current() is None
    run_zhanqun(data_dir, "index", "--quiet")
    assert indexed(root, Generations(root).current()) == expected(cluster)


def _parallel_rebuild(index_dir: Path, store_url: str) -> None:
    """A full rebuild written by two sub-writer processes, however small the store (the
    indexer forks them only for large rebuilds)."""
    from exchange.index_feed import IndexFeed
    from exchange.store import open_store
    from indexer.engine import building

    building.BULK_MIN_CHANGES = 1
    building.os.cpu_count = lambda: 2
    building.run(index_dir, IndexFeed(open_store(store_url)), full=True, commit_every=500)


@pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="parallel rebuilds need fork (Linux)"
)
def test_a_killed_parallel_rebuild_leaves_no_writer_behind_and_resumes(loaded) -> None:
    store, config, reader = loaded
    root = config.index_dir
    generations = Generations(root)
    finish_run(config.data_dir, store, config)
    churn(store, 1)
    # In a session of its own: the test's teardown kills it and anything it left running.
    rebuild = processes.fork(_parallel_rebuild, root, config.store_url)
    deadline = time.monotonic() + 60
    writers: set[int] = set()
    while rebuild.is_alive() and time.monotonic() < deadline and len(writers) < 2:
        writers = processes.children(of=rebuild.pid)
        time.sleep(0.02)
    assert len(writers) == 2, "the rebuild never started its two sub-writers"
    time.sleep(0.5)  # into the writing
    # Each commit ends its sub-writers and the next batch forks new ones: kill while two run.
    while len(writers := processes.children(of=rebuild.pid)) < 2 and rebuild.is_alive():
        time.sleep(0.005)
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.join()
    # Left running, a sub-writer would keep the run lock and write into a dead generation (and
    # what runs there between two batches, the posting-array writers, would map it).
    alive = processes.running(writers)
    assert not alive, f"writers {alive} outlived the killed indexer"
    assert generations.current() == 1 and generations.unfinished() == 2
    assert_serves(reader, 1)
    out = finish_run(config.data_dir, store, config)
    assert "resume-rebuild gen=2 " in out, out
    assert_serves(reader, 2)
