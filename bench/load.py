"""The HTTP phases of the scale benchmark, on a real ``zhanqun serve`` (gunicorn) over the
reference store and index: single-client and concurrent search load with the query mix, the
resident memory of every worker, then push and pull (bench/exchange.py's measurements).

Clients are threads of this process, each with one keep-alive ``http.client`` connection to a
loopback port, each looping over the mix from its own offset until a fixed deadline. Any
answer other than 200, and any exception (the connection is then reopened), is an error.
"""

import http.client
import os
import signal
import subprocess
import sys
import threading
import time
from argparse import Namespace
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

from bench.phases import percentiles
from bench.scale_phases import _status_kib, zhanqun_env
from bench.scale_queries import MIX, TYPICAL, path_of

START_DEADLINE = 60.0
REQUEST_TIMEOUT = 60.0
MAX_FAILED = 10  # failed requests kept for the report
LOG_ERROR_LINES = 80
ERROR_MARKS = ("[ERROR]", "[CRITICAL]", "Traceback (most recent call last)", "unhandled error")


class Server:
    """``python -m exchange.cli serve`` in its own session, its output in a log file."""

    def __init__(self, data_dir: Path, port: int, workers: int, log_path: Path) -> None:
        self.port = port
        self.log_path = log_path
        with open(log_path, "wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "exchange.cli", "serve"],
                env=zhanqun_env(data_dir, bind=f"127.0.0.1:{port}", workers=str(workers)),
                cwd=data_dir.parent,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_until_up(self) -> float:
        """Seconds until ``/healthz`` answers 200."""
        started = time.perf_counter()
        while time.perf_counter() - started < START_DEADLINE:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"zhanqun serve exited {self.process.returncode}: see {self.log_path}"
                )
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    connection.close()
                    return time.perf_counter() - started
                connection.close()
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"zhanqun serve did not answer /healthz in {START_DEADLINE:.0f} s")

    def workers(self) -> list[int]:
        """The gunicorn workers: the children of the master (this process, after exec)."""
        pid = self.process.pid
        try:
            with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
                return [int(p) for p in handle.read().split()]
        except OSError:
            pass
        found = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", encoding="ascii") as handle:
                        stat = handle.read().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == pid:
                    found.append(int(entry))
        return sorted(found)

    def stop(self) -> None:
        """SIGTERM to the server's process group (the one it was started in), then SIGKILL."""
        for sig, grace in ((signal.SIGTERM, 30), (signal.SIGKILL, 10)):
            if self.process.poll() is not None:
                return
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                return
            try:
                self.process.wait(timeout=grace)
                return
            except subprocess.TimeoutExpired:
                continue


WARM_SECONDS = 15.0


def _warm(samples: list, seconds: float) -> tuple:
    """The first sample at least ``seconds`` after the first one (else the last)."""
    return next((s for s in samples if s[0] >= samples[0][0] + seconds), samples[-1])


class RssSampler(threading.Thread):
    """Every ``interval`` seconds, VmRSS, VmHWM and RssAnon of each worker of ``server``.

    RssAnon is a worker's private memory, where a leak would show. VmRSS also counts the
    pages of the memory-mapped index the worker has read: the kernel's page cache, shared by
    every worker and reclaimable, which grows as searches touch more of the index."""

    def __init__(self, server: Server, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.server = server
        self.interval = interval
        self.stopped = threading.Event()
        self.samples: dict[int, list[tuple[float, int, int, int]]] = {}
        self.started = time.perf_counter()
        self.marks: dict[str, float] = {}

    def run(self) -> None:
        while not self.stopped.is_set():
            self.sample()
            self.stopped.wait(self.interval)

    def sample(self) -> None:
        now = time.perf_counter() - self.started
        for pid in self.server.workers():
            rss, hwm = _status_kib(pid, "VmRSS"), _status_kib(pid, "VmHWM")
            anon = _status_kib(pid, "RssAnon")
            if rss is not None:
                sample = (now, rss * 1024, (hwm or 0) * 1024, (anon or 0) * 1024)
                self.samples.setdefault(pid, []).append(sample)

    def mark(self, name: str) -> None:
        self.marks[name] = time.perf_counter() - self.started

    def stop(self) -> dict:
        self.stopped.set()
        self.join(timeout=10)
        return {
            "marks": self.marks,
            "workers": [self._worker(p, s) for p, s in self.samples.items()],
        }

    def _worker(self, pid: int, samples: list[tuple[float, int, int, int]]) -> dict:
        load_from = self.marks.get("load_start", 0.0)
        load_to = self.marks.get("load_end", float("inf"))
        during = [s for s in samples if load_from <= s[0] <= load_to] or samples
        return {
            "pid": pid,
            "samples": len(samples),
            "first_seen_s": samples[0][0],
            "last_seen_s": samples[-1][0],
            "load_start_rss_bytes": during[0][1],
            "load_end_rss_bytes": during[-1][1],
            "load_max_rss_bytes": max(s[1] for s in during),
            "peak_rss_bytes": max(s[2] for s in samples),  # VmHWM, the kernel's own peak
            # Private memory once warm (WARM_SECONDS after the worker or the load started,
            # whichever is later) and at the end: a recycled worker starts cold and fills its
            # caches, which is not a leak.
            "warm_anon_bytes": _warm(during, WARM_SECONDS)[3],
            "load_end_anon_bytes": during[-1][3],
            "load_max_anon_bytes": max(s[3] for s in during),
            "warm_samples": sum(1 for s in during if s[0] >= _warm(during, WARM_SECONDS)[0]),
            "rss_series_mib": [round(s[1] / 2**20, 1) for s in samples],
        }


class Feed:
    """What the clients send: the fixed mix, each client cycling from its own offset; or
    distinct requests, each taken once by whichever client is free (from the start again if
    they run out; such repeats are counted)."""

    def __init__(self, entries: list[tuple[str, dict]], clients: int, distinct: bool) -> None:
        self.paths = [(kind, path_of(params)) for kind, params in entries]
        self.clients = clients
        self.distinct = distinct
        self.repeated = 0
        self._next = 0
        self._lock = threading.Lock()

    def take(self, client: int, k: int) -> tuple[str, str]:
        if not self.distinct:
            return self.paths[(client * len(self.paths) // self.clients + k) % len(self.paths)]
        with self._lock:
            n, self._next = self._next, self._next + 1
            self.repeated += n >= len(self.paths)
        return self.paths[n % len(self.paths)]


def _client(
    port: int,
    feed: Feed,
    client: int,
    until: float,
    limit: int | None,
    out: list,
    errors: Counter,
    failed: list[str],
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    k = 0
    while time.perf_counter() < until and (limit is None or k < limit):
        kind, path = feed.take(client, k)
        k += 1
        t = time.perf_counter()
        try:
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            errors[type(error).__name__] += 1
            connection.close()
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
            continue
        ms = (time.perf_counter() - t) * 1000
        if status != 200:
            errors[f"HTTP {status}"] += 1
            if len(failed) < MAX_FAILED:
                failed.append(f"{status} {unquote(path)}")
        out.append((kind, ms, status))
    connection.close()


def run_clients(
    port: int,
    entries: list[tuple[str, dict]],
    clients: int,
    seconds: float,
    limit: int | None = None,
    distinct: bool = False,
) -> dict:
    """``clients`` threads for ``seconds`` (or until each has sent ``limit`` requests)."""
    feed = Feed(entries, clients, distinct)
    results: list[list] = [[] for _ in range(clients)]
    errors: Counter[str] = Counter()
    failed: list[str] = []
    started = time.perf_counter()
    until = started + seconds
    threads = [
        threading.Thread(
            target=_client, args=(port, feed, i, until, limit, results[i], errors, failed)
        )
        for i in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    done = [row for rows in results for row in rows]
    ok = [ms for _, ms, status in done if status == 200]
    kinds = dict.fromkeys(kind for kind, _ in entries)
    return {
        "clients": clients,
        "distinct": distinct,
        "seconds": elapsed,
        "requests": len(done) + sum(v for k, v in errors.items() if not k.startswith("HTTP")),
        "ok": len(ok),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "failed_requests": failed,
        "repeated_requests": feed.repeated,
        "requests_per_second": len(ok) / elapsed if elapsed else 0.0,
        **(percentiles(ok) if ok else {}),
        "typical": percentiles([ms for k, ms, s in done if s == 200 and k in TYPICAL] or [0.0]),
        "by_kind": {
            kind: percentiles([ms for k, ms, s in done if s == 200 and k == kind] or [0.0])
            for kind in kinds
        },
    }


def http_phase(
    data_dir: Path, port: int, args: Namespace, typical: list[tuple[str, dict]], log_path: Path
) -> dict:
    """Start gunicorn and warm it up; time one client over distinct typical queries, then
    ``args.clients`` clients over distinct typical queries and over the fixed mix, each for
    ``args.seconds``, sampling the workers' memory every second; push and pull; stop it."""
    from bench.exchange import SITES, pull_phase, push_phase
    from bench.scale_phases import store_url
    from exchange.store import open_store
    from exchange.store.keys import issue_key

    store = open_store(store_url(data_dir))
    keys = {
        code: issue_key(store, code, frozenset({"push"}), "bench", "bench").token
        for code, *_ in SITES
    }
    puller = issue_key(store, None, frozenset({"pull"}), "bench", "bench").token
    store.dispose()
    single, pool = typical[: args.http_single], typical[args.http_single :]
    mix = list(MIX)

    server = Server(data_dir, port, args.workers, log_path)
    out: dict = {"workers": args.workers, "port": port, "log": str(log_path)}
    try:
        out["start_seconds"] = server.wait_until_up()
        sampler = RssSampler(server)
        sampler.start()
        # Warm-up (not timed): every worker opens its index; the mix is served once.
        out["warmup"] = run_clients(port, mix, args.workers * 2, 600, limit=len(mix))
        out["single_client"] = run_clients(port, single, 1, 600, limit=len(single))
        sampler.mark("load_start")
        out["load_distinct"] = run_clients(port, pool, args.clients, args.seconds, distinct=True)
        out["load_mix"] = run_clients(port, mix, args.clients, args.seconds)
        sampler.mark("load_end")
        time.sleep(1.5)  # a last sample after the load
        out["memory"] = sampler.stop()
        out["memory"]["workers_after"] = server.workers()
        pushers = min(2, len(keys))
        push_args = Namespace(records=args.push_records, pushers=pushers, batch=1_000, chars=1_200)
        out["push"] = {
            "records": push_args.records // pushers * pushers,
            "pushers": pushers,
            "batch": push_args.batch,
            "body_chars": push_args.chars,
            "records_per_second": push_phase(port, keys, push_args),
        }
        rate, pulled = pull_phase(port, puller, 1_000)
        out["pull"] = {"records": pulled, "page": 1_000, "records_per_second": rate}
    finally:
        server.stop()
        out["server_log_errors"] = log_errors(log_path)
    return out


def log_errors(log_path: Path) -> list[str]:
    """The server log's ``[ERROR]`` entries with their tracebacks (at most ``LOG_ERROR_LINES``
    lines): an entry runs until the next line that starts another entry or an access log
    line."""
    try:
        lines = log_path.read_text(errors="replace").splitlines()
    except OSError:
        return []
    kept: list[str] = []
    inside = False
    for line in lines:
        starts = any(mark in line for mark in ERROR_MARKS)
        if starts or line.startswith(("[", "127.0.0.1")):
            inside = starts
        if inside:
            kept.append(line)
            if len(kept) >= LOG_ERROR_LINES:
                break
    return kept
