"""The soak test: a real ``zhanqun serve`` under citizens' searches, CMS pushes and cron
indexer runs at once, for as long as asked; it counts every answer and watches the workers'
memory.

    python -m bench.soak [--seconds 300] [--searchers 8] [--pushers 2] [--workers 2]
    python -m bench.soak --workdir WORKDIR/city/data --index-every 60   # a city's scale

Searchers are citizens behind the proxy on loopback, each request from one of a few hundred
made-up addresses (``X-Forwarded-For``), so the per-address rate limits apply as in
production without one client's limit standing for everyone's. Pushers are site CMSs, each
with its own key, pushing batches of new and changed records. An indexer run starts every
``--index-every`` seconds, as cron would. Every ``--sample-every`` seconds the resident size
of each worker is read from ``/proc``.

The report: requests served by kind, status counts, 5xx and failed requests, latency
percentiles, pushes acknowledged against what the store holds, indexer runs, and each worker's
memory over time. It is printed and written to ``--out``/soak.json. ``tests/e2e/test_soak.py``
runs it for half a minute in CI.
"""

import argparse
import http.client
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import orjson
from sqlalchemy import select

from exchange.batches import apply_batch
from exchange.record_input import parse_item
from exchange.store import open_store, tables
from exchange.store.keys import issue_key
from exchange.store.sites import register_site

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
SITES = [
    ("530500", "保山市人民政府", "city", None),
    ("530521", "施甸县人民政府", "county", "530500"),
    ("530581", "腾冲市人民政府", "county", "530500"),
    ("530521100", "甸阳镇人民政府", "township", "530521"),
]
SENTENCES = (
    "保山市住房公积金管理中心关于调整缴存基数的通知",
    "施甸县人民政府办公室关于做好森林防火工作的通知",
    "腾冲市文化和旅游局高黎贡山生态旅游接待情况",
    "甸阳镇便民服务中心社会保障卡办理指南",
    "保山市发展和改革委员会优化营商环境若干措施",
    "城乡居民医疗保险参保缴费工作要点",
)
QUERIES = (
    "公积金",
    "住房公积金",
    "森林防火",
    "医保",
    "营商环境",
    "社会保障卡",
    "高黎贡山",
    "通知",
    '"缴存基数"',
    "shebao",
    "政务公开",
    "旅游",
    "乡村振兴",
    "",
)
STARTUP_SECONDS = 60.0


def record(n: int, version: int = 0) -> dict:
    title = f"{SENTENCES[n % len(SENTENCES)]}（第{n}号）"
    body = "".join(SENTENCES[(n + k) % len(SENTENCES)] + f"，第{n + k}项。" for k in range(30))
    return {
        "id": f"r{n}",
        "title": title,
        "body": body + f"修订{version}。",
        "published": f"20{15 + n % 10}-{1 + n % 12:02d}-{1 + n % 28:02d}",
    }


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


@dataclass
class Tally:
    """What one kind of client saw: statuses, failures and latencies."""

    statuses: Counter = field(default_factory=Counter)
    failures: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, status: int | None, seconds: float, failure: str | None = None) -> None:
        with self.lock:
            if status is None:
                self.failures[failure or "error"] += 1
            else:
                self.statuses[status] += 1
                self.latencies.append(seconds)

    def summary(self) -> dict:
        ms = [s * 1000 for s in self.latencies]
        return {
            "requests": sum(self.statuses.values()) + sum(self.failures.values()),
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors": sum(v for k, v in self.statuses.items() if k >= 500),
            "failed": dict(self.failures),
            "p50_ms": round(percentile(ms, 50), 1),
            "p95_ms": round(percentile(ms, 95), 1),
            "p99_ms": round(percentile(ms, 99), 1),
            "max_ms": round(max(ms, default=0.0), 1),
        }


class Connection:
    """One keep-alive connection, reopened after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.http: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None, headers: dict):
        if self.http is None:
            self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            self.http.request(method, path, body=body, headers=headers)
            response = self.http.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException):
            self.http.close()
            self.http = None
            raise


def searcher(port: int, stop: threading.Event, tally: Tally, seed: int, sites: list[str]) -> None:
    chance = random.Random(seed)
    connection = Connection(port)
    while not stop.is_set():
        params = {"q": chance.choice(QUERIES), "page": chance.choice((1, 1, 1, 2, 3))}
        if chance.random() < 0.3:
            params.update(site=chance.choice(sites), scope="branch")
        path = chance.choice(("/v1/search", "/v1/search", "/v1/search", "/v1/suggest"))
        if path == "/v1/suggest":
            params = {"q": chance.choice(("gong", "住房", "森", "sb", "医"))}
        client = f"203.0.{chance.randrange(113, 115)}.{chance.randrange(1, 255)}"
        started = time.perf_counter()
        try:
            status, _ = connection.request(
                "GET", f"{path}?{urlencode(params)}", None, {"X-Forwarded-For": client}
            )
        except (OSError, http.client.HTTPException) as error:
            tally.add(None, 0, type(error).__name__)
            continue
        tally.add(status, time.perf_counter() - started)


def pusher(
    port: int,
    token: str,
    first: int,
    stop: threading.Event,
    tally: Tally,
    acknowledged: set[str],
    batch: int,
    pause: float,
) -> None:
    connection = Connection(port)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    n, version = first, 0
    while not stop.is_set():
        # New records, and every third batch a revision of records pushed before.
        numbers = list(range(n, n + batch))
        if version % 3 == 2 and n - batch >= first:
            numbers = list(range(n - batch, n))
        else:
            n += batch
        version += 1
        body = orjson.dumps({"items": [record(i, version) for i in numbers]})
        started = time.perf_counter()
        try:
            status, _ = connection.request("POST", "/v1/records", body, headers)
        except (OSError, http.client.HTTPException) as error:
            tally.add(None, 0, type(error).__name__)
            continue
        tally.add(status, time.perf_counter() - started)
        if status == 200:
            acknowledged.update(f"r{i}" for i in numbers)
        time.sleep(pause)


def worker_pids(master: int) -> list[int]:
    try:
        text = Path(f"/proc/{master}/task/{master}/children").read_text()
    except OSError:
        return []
    return [int(pid) for pid in text.split()]


def resident_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def indexer_loop(
    data_dir: Path, env: dict, stop: threading.Event, every: float, runs: Counter
) -> None:
    while not stop.wait(every):
        done = subprocess.run(
            [sys.executable, "-m", "exchange.cli", "index", "--quiet"],
            env=env,
            cwd=data_dir.parent,
            capture_output=True,
            text=True,
        )
        runs["ok" if done.returncode == 0 else f"exit {done.returncode}"] += 1


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def prepare(data_dir: Path, records: int, env: dict) -> dict[str, str]:
    """A cluster with ``records`` records, indexed; returns a push key per site."""
    store = open_store(env["ZHANQUN_DATABASE_URL"] or f"sqlite:///{data_dir}/zhanqun.sqlite3")
    keys = {}
    try:
        for code, name, tier, parent in SITES:
            register_site(store, code, name, tier, parent, f"https://{code}.example.gov.cn")
            keys[code] = issue_key(store, code, frozenset({"push"}), "soak", "cli:soak").token
        for start in range(0, records, 500):
            apply_batch(
                store,
                SITES[0][0],
                [parse_item(record(n)) for n in range(start, min(records, start + 500))],
            )
    finally:
        store.dispose()
    subprocess.run(
        [sys.executable, "-m", "exchange.cli", "index", "--quiet"],
        env=env,
        cwd=data_dir.parent,
        check=True,
        capture_output=True,
    )
    return keys


def push_keys(data_dir: Path, env: dict) -> dict[str, str]:
    """A push key for each of :data:`SITES` that the data dir's store already holds (a
    cluster built by ``bench.scale --keep``): the soak then runs at that cluster's size."""
    store = open_store(env["ZHANQUN_DATABASE_URL"] or f"sqlite:///{data_dir}/zhanqun.sqlite3")
    try:
        with store.read() as conn:
            held = set(conn.execute(select(tables.sites.c.code)).scalars())
        return {
            code: issue_key(store, code, frozenset({"push"}), "soak", "cli:soak").token
            for code, *_ in SITES
            if code in held
        }
    finally:
        store.dispose()


def stored_ids(env: dict, data_dir: Path) -> set[str]:
    store = open_store(env["ZHANQUN_DATABASE_URL"] or f"sqlite:///{data_dir}/zhanqun.sqlite3")
    try:
        with store.read() as conn:
            rows = conn.execute(select(tables.records.c.site, tables.records.c.local_id))
            return {f"{site}/{local_id}" for site, local_id in rows}
    finally:
        store.dispose()


def soak(args: argparse.Namespace, data_dir: Path) -> dict:
    """Run the soak in ``data_dir`` (which it fills); returns the report."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANQUN_")}
    env.update(
        ZHANQUN_DATA_DIR=str(data_dir),
        ZHANQUN_DATABASE_URL=args.database_url,
        ZHANQUN_BIND=f"127.0.0.1:{port}",
        ZHANQUN_WORKERS=str(args.workers),
    )
    keys = push_keys(data_dir, env) if args.workdir else prepare(data_dir, args.records, env)
    log_path = data_dir.parent / "soak-server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "exchange.cli", "serve"],
            env=env,
            cwd=data_dir.parent,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    try:
        _wait_up(port, server)
        return _load(args, data_dir, env, port, server, keys) | {"log": str(log_path)}
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def _wait_up(port: int, server: subprocess.Popen) -> None:
    until = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < until:
        if server.poll() is not None:
            raise RuntimeError(f"zhanqun serve exited {server.returncode}")
        try:
            status, _ = Connection(port).request("GET", "/readyz", None, {})
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError("zhanqun serve did not become ready")


def _load(args, data_dir: Path, env: dict, port: int, server, keys: dict[str, str]) -> dict:
    stop = threading.Event()
    searches, pushes, runs = Tally(), Tally(), Counter()
    acknowledged: dict[str, set[str]] = {code: set() for code in keys}
    threads = [
        # Only sites the store holds (an unknown one is a 400), in a --workdir's cluster too.
        threading.Thread(target=searcher, args=(port, stop, searches, n, list(keys)))
        for n in range(args.searchers)
    ]
    codes = list(keys)[1 : 1 + args.pushers] or list(keys)[:1]
    threads += [
        threading.Thread(
            target=pusher,
            args=(port, keys[code], 1_000_000, stop, pushes, acknowledged[code], args.batch, 0.2),
        )
        for code in codes
    ]
    threads.append(
        threading.Thread(target=indexer_loop, args=(data_dir, env, stop, args.index_every, runs))
    )
    memory: dict[str, list[tuple[float, float]]] = {}
    started = time.monotonic()
    try:
        for thread in threads:
            thread.start()
        while (elapsed := time.monotonic() - started) < args.seconds:
            for pid in worker_pids(server.pid):
                if (rss := resident_mib(pid)) is not None:
                    memory.setdefault(str(pid), []).append((round(elapsed, 1), round(rss, 1)))
            time.sleep(args.sample_every)
    finally:
        # Also when interrupted: left running, the indexer thread would start runs for ever.
        stop.set()
        for thread in threads:
            if thread.is_alive():
                thread.join(timeout=120)
    held = stored_ids(env, data_dir)
    lost = sum(1 for code, ids in acknowledged.items() for i in ids if f"{code}/{i}" not in held)
    return {
        "seconds": round(time.monotonic() - started, 1),
        "workers": args.workers,
        "index_every_seconds": args.index_every,
        "searchers": args.searchers,
        "pushers": len(codes),
        "search": searches.summary(),
        "push": pushes.summary(),
        "records_acknowledged": sum(len(ids) for ids in acknowledged.values()),
        "acknowledged_records_lost": lost,
        "indexer_runs": dict(runs),
        "memory_mib": memory,
        "memory_growth_mib": _growth(memory),
    }


def _growth(memory: dict[str, list[tuple[float, float]]]) -> dict[str, float]:
    """Each worker's resident size at the end less after its first third (the warm-up)."""
    growth = {}
    for pid, samples in memory.items():
        if len(samples) >= 3:
            growth[pid] = round(samples[-1][1] - samples[len(samples) // 3][1], 1)
    return growth


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.soak", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=300, help="how long the load lasts")
    parser.add_argument("--searchers", type=int, default=8, help="concurrent citizens")
    parser.add_argument("--pushers", type=int, default=2, help="concurrent CMSs, one key each")
    parser.add_argument("--batch", type=int, default=50, help="records a push")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--records", type=int, default=3_000, help="records before the load")
    parser.add_argument("--index-every", type=float, default=10, help="seconds between runs")
    parser.add_argument("--sample-every", type=float, default=2, help="seconds between samples")
    parser.add_argument("--database-url", default="", help="a PostgreSQL store (default SQLite)")
    parser.add_argument(
        "--workdir",
        type=Path,
        help="soak this data dir (its SQLite store and index) instead of a fresh cluster of "
        "--records, e.g. WORKDIR/city/data of `python -m bench.scale --keep`: its pushes and "
        "indexer runs are added to it",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where soak.json goes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.workdir:
        report = soak(args, args.workdir.resolve())
    else:
        with tempfile.TemporaryDirectory(prefix="zhanqun-soak-") as tmp:
            report = soak(args, Path(tmp) / "data")
            report.pop("log")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "soak.json").write_bytes(orjson.dumps(report, option=orjson.OPT_INDENT_2))
    for kind in ("search", "push"):
        s = report[kind]
        print(
            f"{kind}: {s['requests']} requests {s['statuses']} 5xx={s['server_errors']} "
            f"failed={s['failed']} p50={s['p50_ms']} ms p95={s['p95_ms']} ms "
            f"p99={s['p99_ms']} ms"
        )
    print(
        f"records acknowledged {report['records_acknowledged']}, lost "
        f"{report['acknowledged_records_lost']}; indexer runs {report['indexer_runs']}"
    )
    for pid, samples in report["memory_mib"].items():
        print(
            f"worker {pid}: RSS {samples[0][1]} → {samples[-1][1]} MiB "
            f"(growth after warm-up {report['memory_growth_mib'].get(pid, 0)} MiB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
