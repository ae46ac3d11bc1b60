"""The in-process phases of the scale benchmark on the full index: incremental freshness,
single-client search latency and suggest latency. Each runs in its own fresh process
(:func:`bench.phases.isolated`) and returns a plain dict.
"""

import os
import random
import resource
import secrets
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

from bench.phases import memory, percentiles
from bench.scale_queries import MIX, SUGGEST_PREFIXES, TYPICAL, label

REPO = Path(__file__).resolve().parents[1]
POLL_SECONDS = 0.05


def zhanqun_env(data_dir: Path, **settings: str) -> dict[str, str]:
    """This environment with one data dir's settings (as tests/e2e/conftest.py builds it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANQUN_")}
    env["ZHANQUN_DATA_DIR"] = str(data_dir)
    env["ZHANQUN_DATABASE_URL"] = ""
    env.update({f"ZHANQUN_{k.upper()}": v for k, v in settings.items()})
    return env


def store_url(data_dir: Path) -> str:
    return f"sqlite:///{Path(data_dir) / 'zhanqun.sqlite3'}"


def _status_kib(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _children(pid: int) -> list[int]:
    found = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children", encoding="ascii") as handle:
                found += [int(p) for p in handle.read().split()]
    except OSError:
        pass
    return found


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (VmRSS summed)."""
    total, stack = 0, [pid]
    while stack:
        current = stack.pop()
        total += (_status_kib(current, "VmRSS") or 0) * 1024
        stack += _children(current)
    return total


class TreeSampler(threading.Thread):
    """The largest :func:`tree_rss` of ``pid`` seen, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 0.5) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.peak = 0
        self.stopped = threading.Event()

    def run(self) -> None:
        while not self.stopped.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.stopped.wait(self.interval)

    def stop(self) -> int:
        self.stopped.set()
        self.join(timeout=5)
        return self.peak


def rebuild_phase(store_url: str, index_root: str) -> dict:
    """:func:`bench.phases.index_phase` (``building.run(..., full=True)``) as a fresh
    ``python`` would run it, with the resident memory of the whole process tree.

    :func:`bench.phases.isolated` starts this process with 'spawn', and a spawned process makes
    'spawn' its own default start method; the indexer may fork writer processes that inherit
    its state, as they do under ``zhanqun index``, so the default of a fresh interpreter on
    Linux ('fork') is restored first."""
    import multiprocessing

    from bench.phases import index_phase

    if sys.platform.startswith("linux"):
        multiprocessing.set_start_method("fork", force=True)
    sampler = TreeSampler(os.getpid())
    sampler.start()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = index_phase(store_url, index_root)
    result["tree_peak_rss_bytes"] = sampler.stop()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    result["children_cpu_seconds"] = (after.ru_utime + after.ru_stime) - (
        before.ru_utime + before.ru_stime
    )
    result["children_peak_rss_bytes"] = after.ru_maxrss * 1024
    result["start_method"] = multiprocessing.get_start_method()
    return result


def _changed_items(store, count: int, seed: int, marker: str) -> dict[str, list[dict]]:
    """``count`` live records drawn at random, as update items whose title carries ``marker``,
    grouped by site."""
    from sqlalchemy import select

    from exchange.record_input import to_cluster_time
    from exchange.store import tables
    from exchange.store.feed import get_change

    r = tables.records.c
    with store.read() as conn:
        keys = conn.execute(
            select(r.site, r.local_id)
            .where(r.deleted.is_(False), r.review == "none", r.public.is_(True))
            .order_by(r.seq)
        ).all()
        chosen = random.Random(f"{seed}-incremental").sample(keys, min(count, len(keys)))
        changes = [get_change(conn, site, local_id) for site, local_id in chosen]
    items: dict[str, list[dict]] = {}
    for c in changes:
        items.setdefault(c.site, []).append(
            {
                "id": c.local_id,
                "title": f"{c.title} {marker}",
                "body": c.body,
                "url": c.url,
                "column": c.column,
                "doc_type": c.doc_type,
                "published": to_cluster_time(c.published),
                "share": c.share,
                "public": c.public,
                "index_no": c.index_no,
                "issuer": c.issuer,
                "doc_no": c.doc_no,
                "subject": c.subject,
                "written": c.written,
            }
        )
    return items


def incremental_phase(data_dir: str, count: int, seed: int, deadline: float) -> dict:
    """With a reader open on the full index, change ``count`` records through ``apply_batch``
    (a marker word added to each title), start ``zhanqun index`` and time, from its start,
    until the open reader finds all ``count`` records by the marker."""
    from exchange.batches import apply_batch
    from exchange.record_input import parse_item
    from exchange.store import open_store
    from exchange.store.writing import MAX_BATCH
    from indexer.engine.searching import IndexReader, SearchRequest, search

    data = Path(data_dir)
    reader = IndexReader(data / "index")  # the service's default refresh_seconds
    search(reader, SearchRequest(text="国务院"))  # a worker that has served already
    marker = "zqinc" + secrets.token_hex(4)
    probe = SearchRequest(text=marker, page_size=1, facets=False, correct=False)
    before = search(reader, probe).total
    store = open_store(store_url(data))
    items = _changed_items(store, count, seed, marker)
    outcomes: Counter[str] = Counter()
    t0 = time.perf_counter()
    for site, raws in items.items():
        for i in range(0, len(raws), MAX_BATCH):
            parsed = [parse_item(raw) for raw in raws[i : i + MAX_BATCH]]
            outcomes.update(r.outcome for r in apply_batch(store, site, parsed))
    write_seconds = time.perf_counter() - t0
    store.dispose()
    wanted = outcomes["updated"]

    command = [sys.executable, "-m", "exchange.cli", "index", "--quiet"]
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=zhanqun_env(data),
        cwd=data.parent,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first_seen = searchable = exited = None
    found = polls = 0
    peak_kib = peak_tree = 0
    search_ms: list[float] = []
    while time.perf_counter() - started < deadline:
        peak_kib = max(peak_kib, _status_kib(process.pid, "VmHWM") or 0)
        peak_tree = max(peak_tree, tree_rss(process.pid))
        if exited is None and process.poll() is not None:
            exited = time.perf_counter() - started
        t = time.perf_counter()
        found = search(reader, probe).total
        search_ms.append((time.perf_counter() - t) * 1000)
        polls += 1
        now = time.perf_counter() - started
        if found and first_seen is None:
            first_seen = now
        if found >= wanted:
            searchable = now
            break
        time.sleep(POLL_SECONDS)
    try:
        out, err = process.communicate(timeout=max(deadline - (time.perf_counter() - started), 1))
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    if exited is None:
        exited = time.perf_counter() - started
    reader.close()
    return {
        "changes": count,
        "marker": marker,
        "found_before": before,
        "write_outcomes": dict(outcomes),
        "write_seconds": write_seconds,
        "wanted": wanted,
        "found": found,
        "first_seen_seconds": first_seen,
        "searchable_seconds": searchable,
        "indexer_seconds": exited,
        "indexer_exit": process.returncode,
        "indexer_summary": out.strip().splitlines()[-1] if out.strip() else "",
        "indexer_stderr_tail": err.strip()[-500:],
        "indexer_peak_rss_bytes": peak_kib * 1024,
        "indexer_tree_peak_rss_bytes": peak_tree,
        "polls": polls,
        "poll_search_p50_ms": percentiles(search_ms)["p50_ms"] if search_ms else None,
        "command": " ".join(["python", *command[1:]]),
        "deadline_seconds": deadline,
    }


def search_latency_phase(
    data_dir: str, rounds: int, suggest_rounds: int, typical: list[tuple[str, dict]]
) -> dict:
    """Single client, one open reader, in this order: the fixed mix once (each request seen
    for the first time), the ``typical`` distinct queries once, the fixed mix ``rounds - 1``
    more times (repeats, which a result cache may answer); then suggest."""
    from bench.scale_queries import search_requests
    from exchange.store import open_store
    from exchange.store.sites import all_sites
    from indexer.engine.searching import IndexReader, SearchRequest, search
    from indexer.suggesting import suggest

    data = Path(data_dir)
    store = open_store(store_url(data))
    with store.read() as conn:
        sites = all_sites(conn)
    store.dispose()
    fixed = list(zip(MIX, search_requests(sites), strict=True))
    distinct = list(zip(typical, search_requests(sites, typical), strict=True))
    reader = IndexReader(data / "index")
    t0 = time.perf_counter()
    search(reader, SearchRequest(text="保山 旅游"))  # opens the index; not one of the queries
    opening_ms = (time.perf_counter() - t0) * 1000

    def timed(entries, rnd: int, pass_name: str) -> list[dict]:
        rows = []
        for i, ((kind, params), request) in enumerate(entries):
            t = time.perf_counter()
            result = search(reader, request)
            ms = (time.perf_counter() - t) * 1000
            rows.append(
                {
                    "pass": pass_name,
                    "round": rnd,
                    "query": i,
                    "kind": kind,
                    "text": label(params),
                    "ms": ms,
                    "total": result.total,
                    "hits": len(result.hits),
                    "highlighted": sum("<mark>" in h.title + h.snippet for h in result.hits),
                    "facets": sum(len(v) for v in result.facets.values()),
                    "correction": result.correction.query if result.correction else None,
                }
            )
        return rows

    first = timed(fixed, 0, "fixed")
    typical_rows = timed(distinct, 0, "typical")
    repeats = [row for rnd in range(1, rounds) for row in timed(fixed, rnd, "fixed")]

    suggest_ms = []
    suggested: dict[str, list[str]] = {}
    for _ in range(suggest_rounds):
        for prefix in SUGGEST_PREFIXES:
            t = time.perf_counter()
            found = suggest(reader, prefix)
            suggest_ms.append((time.perf_counter() - t) * 1000)
            suggested[prefix] = [s.text for s in found[:5]]
    reader.close()
    return {
        "opening_search_ms": opening_ms,
        "rounds": rounds,
        "first": first,
        "per_query": _per_query(first, repeats),
        "by_kind": _by_kind(first),
        "overall": percentiles([r["ms"] for r in first]),
        "typical_fixed": percentiles([r["ms"] for r in first if r["kind"] in TYPICAL]),
        "distinct": {
            "count": len(typical_rows),
            **percentiles([r["ms"] for r in typical_rows]),
            "by_kind": _by_kind(typical_rows),
            "zero_results": sum(1 for r in typical_rows if not r["total"]),
            "highlighted_share": sum(r["highlighted"] for r in typical_rows)
            / max(sum(r["hits"] for r in typical_rows), 1),
        },
        "typical_rows": [
            {"text": r["text"], "ms": r["ms"], "total": r["total"]} for r in typical_rows
        ],
        "repeats": {"count": len(repeats), **percentiles([r["ms"] for r in repeats])}
        if repeats
        else None,
        "suggest": {**percentiles(suggest_ms), "count": len(suggest_ms), "examples": suggested},
        **memory(),
    }


def _by_kind(rows: list[dict]) -> dict:
    kinds = dict.fromkeys(r["kind"] for r in rows)
    return {
        k: {
            "count": sum(1 for r in rows if r["kind"] == k),
            **percentiles([r["ms"] for r in rows if r["kind"] == k]),
        }
        for k in kinds
    }


def _per_query(first: list[dict], repeats: list[dict]) -> list[dict]:
    out = []
    for i, (kind, params) in enumerate(MIX):
        row = first[i]
        again = sorted(r["ms"] for r in repeats if r["query"] == i)
        out.append(
            {
                "kind": kind,
                "query": label(params),
                "total": row["total"],
                "hits": row["hits"],
                "highlighted": row["highlighted"],
                "facet_values": row["facets"],
                "correction": row["correction"],
                "first_ms": row["ms"],
                "repeat_median_ms": again[len(again) // 2] if again else None,
            }
        )
    return out
