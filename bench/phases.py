"""The measured phases. Each runs in a fresh process (see :func:`isolated`), so that its peak
resident memory is its own and no phase warms caches or dictionaries for the next one.

Every phase times itself with :func:`time.perf_counter` around exactly the work it names and
returns a plain dict (it crosses a process boundary).
"""

import multiprocessing
import resource
import statistics
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path


def isolated(function, *args):
    """Run ``function(*args)`` in a new interpreter ('spawn') and return its result."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        return pool.submit(function, *args).result()


def _status_kib(key: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def memory() -> dict:
    """This process's peak (VmHWM) and current (VmRSS) resident memory, in bytes."""
    peak = _status_kib("VmHWM")
    if peak is None:  # not Linux: ru_maxrss is KiB on Linux, bytes on macOS
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    rss = _status_kib("VmRSS")
    return {"peak_rss_bytes": peak * 1024, "rss_bytes": (rss or 0) * 1024}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def tree_bytes(root: Path) -> int:
    return sum(p.stat().st_size for p in Path(root).rglob("*") if p.is_file())


def import_phase(store_url: str, files: list[tuple[str, str, dict]]) -> dict:
    """Register the sites, then ``import_file`` each (name, path, site) into a fresh store."""
    from exchange.importing import import_file
    from exchange.store import open_store
    from exchange.store.sites import register_site

    start_rss = memory()["rss_bytes"]
    started = time.perf_counter()
    store = open_store(store_url)
    open_seconds = time.perf_counter() - started
    for _, _, site in files:
        register_site(store, site["code"], site["name"], site["tier"], parent=site["parent"])
    per_file = []
    cpu0 = cpu_seconds()
    for name, path, site in files:
        t0 = time.perf_counter()
        report = import_file(store, Path(path), site["code"])
        seconds = time.perf_counter() - t0
        per_file.append({
            "file": name,
            "site": site["code"],
            "lines": report.lines,
            "accepted": report.accepted,
            "outcomes": dict(report.outcomes),
            "rejected": len(report.errors),
            "first_errors": [str(e) for e in report.errors[:5]],
            "seconds": seconds,
        })  # fmt: skip
    cpu = cpu_seconds() - cpu0
    size = store.size_bytes()
    store.dispose()
    return {
        "open_store_seconds": open_seconds,
        "files": per_file,
        "seconds": sum(f["seconds"] for f in per_file),
        "cpu_seconds": cpu,
        "store_bytes": size,
        "start_rss_bytes": start_rss,
        **memory(),
    }


def index_phase(store_url: str, index_root: str) -> dict:
    """A full rebuild with the project's indexer from the store's change feed."""
    from sqlalchemy import func, select

    from exchange.index_feed import IndexFeed
    from exchange.store import open_store, tables
    from indexer.engine import building

    store = open_store(store_url)
    start_rss = memory()["rss_bytes"]
    cpu0 = cpu_seconds()
    started = time.perf_counter()
    summary = building.run(Path(index_root), IndexFeed(store), full=True)
    seconds = time.perf_counter() - started
    cpu = cpu_seconds() - cpu0
    result = {"seconds": seconds, "cpu_seconds": cpu, "start_rss_bytes": start_rss, **memory()}
    r = tables.records.c
    with store.read() as conn:  # what was indexed, counted after the clock stopped
        chars = conn.execute(
            select(func.coalesce(func.sum(func.length(r.title) + func.length(r.body)), 0)).where(
                r.deleted.is_(False)
            )
        ).scalar_one()
    store.dispose()
    result.update(
        summary=summary.line(),
        docs=summary.added + summary.updated,
        deleted=summary.deleted,
        store_chars=int(chars),
        index_bytes=tree_bytes(Path(index_root)),
    )
    return result


def search_phase(index_root: str, queries: list[str], total: int) -> dict:
    """``total`` searches (page 1, 10 a page, facets on), cycling through ``queries``."""
    from indexer.engine.searching import IndexReader, SearchRequest, search

    reader = IndexReader(Path(index_root), refresh_seconds=3600)
    t0 = time.perf_counter()
    first = search(reader, SearchRequest(text=queries[0], page=1, page_size=10, facets=True))
    first_ms = (time.perf_counter() - t0) * 1000
    timings: list[float] = []
    per_query: dict[str, dict] = {text: {"ms": [], "hits": None} for text in queries}
    for i in range(total):
        text = queries[i % len(queries)]
        request = SearchRequest(text=text, page=1, page_size=10, facets=True)
        t = time.perf_counter()
        result = search(reader, request)
        ms = (time.perf_counter() - t) * 1000
        timings.append(ms)
        per_query[text]["ms"].append(ms)
        per_query[text]["hits"] = result.total
    reader.close()
    return {
        "first_search_ms": first_ms,
        "first_search_query": queries[0],
        "first_search_hits": first.total,
        "count": len(timings),
        **percentiles(timings),
        "per_query": {
            text: {"hits": v["hits"], "runs": len(v["ms"]), "median_ms": statistics.median(v["ms"])}
            for text, v in per_query.items()
            if v["ms"]
        },
        **memory(),
    }


def percentiles(values: list[float]) -> dict:
    ordered = sorted(values)

    def pick(p: float) -> float:  # nearest-rank percentile
        rank = max(1, -(-len(ordered) * p // 100))
        return ordered[int(rank) - 1]

    return {
        "p50_ms": pick(50),
        "p95_ms": pick(95),
        "p99_ms": pick(99),
        "mean_ms": statistics.fmean(ordered),
        "max_ms": ordered[-1],
        "min_ms": ordered[0],
    }
