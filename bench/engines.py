"""Push, pull, index and search on SQLite and on PostgreSQL, measured in the same run.

    python -m bench.engines [--records N] [--database-url URL] [--rounds R] [--searches S] …

For each engine, on a fresh store, ``zhanqun serve`` (gunicorn with ``gunicorn.conf.py``, two
workers) on a free loopback port, and the same work:

1. push: P threads, each with its own site's key, ``POST /v1/records`` batches of B records of
   about C characters, until N records are in (``bench.exchange.push_phase``);
2. pull: one reader with a cluster key reads the whole feed in pages of L
   (``bench.exchange.pull_phase``);
3. index: ``zhanqun index`` — the first run, a full build from the store's feed — wall time,
   process start included;
4. search: S queries of two or three terms, each one different, so none is answered from a
   worker's cache (``GET /v1/search``, first page: highlights, facets, related searches), one
   after another on one connection (p50 and p95 latency), then S more from four clients at
   once (queries/s).

PostgreSQL runs in a scratch database created on the server of ``--database-url`` (default
``postgresql://postgres@127.0.0.1/postgres``) and dropped at the end; SQLite is the file in the
data dir. Engines alternate round by round so that load from elsewhere falls on both; the best
round of each engine is reported. Figures go to ``--out``/engines.json and engines.md.
"""

import argparse
import http.client
import os
import random
import secrets
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit, urlunsplit

import orjson

from bench.exchange import SITES, free_port, pull_phase, push_phase
from exchange.store import open_store
from exchange.store.keys import issue_key
from exchange.store.sites import register_site

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
ROOT = Path(__file__).resolve().parents[1]
ENGINES = ("sqlite", "postgresql")
# Words of the benchmark's records (bench.exchange.PHRASES); queries are one to three of them.
WORDS = (
    "住房公积金", "缴存基数", "乡村振兴", "推进会", "高黎贡山", "自然保护区", "生态保护",
    "医疗保险", "参保缴费", "营商环境", "措施", "政务公开", "工作要点", "安全生产", "大检查",
    "森林防火", "责任制", "义务教育", "均衡发展", "保山市", "人民政府", "办公室", "印发",
    "贯彻落实",
)  # fmt: skip
SEARCH_CLIENTS = 4


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.engines", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--pushers", type=int, default=2, help="concurrent pushing sites (≤ 4)")
    parser.add_argument("--batch", type=int, default=1_000, help="records a push")
    parser.add_argument("--page", type=int, default=1_000, help="changes a pull page")
    parser.add_argument("--chars", type=int, default=1_200, help="characters a record body")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--searches", type=int, default=200, help="queries a search phase")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of both engines")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "ZHANQUN_BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1/postgres"
        ),
        help="a PostgreSQL server and database to connect to for creating the scratch database",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


class ScratchDatabase:
    """A PostgreSQL database of its own for one run, dropped at the end."""

    def __init__(self, server_url: str) -> None:
        self.server_url = server_url
        self.name = f"zhanqun_bench_{secrets.token_hex(4)}"

    def _admin(self):
        import psycopg

        return psycopg.connect(self.server_url, autocommit=True, connect_timeout=5)

    def create(self) -> str:
        with self._admin() as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
            self.version = admin.execute("SHOW server_version").fetchone()[0]
        parts = urlsplit(self.server_url)
        return urlunsplit((parts.scheme, parts.netloc, "/" + quote(self.name), parts.query, ""))

    def drop(self) -> None:
        with self._admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def environment(data: Path, database_url: str, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANQUN_")}
    env.update(ZHANQUN_DATA_DIR=str(data), ZHANQUN_DATABASE_URL=database_url)
    env.update({f"ZHANQUN_{k.upper()}": v for k, v in settings.items()})
    return env


def serve(data: Path, database_url: str, port: int, workers: int) -> subprocess.Popen:
    """``zhanqun serve`` on ``port``; returns once ``/healthz`` answers (503 before an index)."""
    env = environment(data, database_url, bind=f"127.0.0.1:{port}", workers=str(workers))
    process = subprocess.Popen(
        [sys.executable, "-m", "exchange.cli", "serve"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("zhanqun serve did not answer")


def index_phase(data: Path, database_url: str) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "exchange.cli", "index", "--quiet"],
        env=environment(data, database_url),
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return time.perf_counter() - started


def distinct_queries(count: int, seed: int) -> list[str]:
    """``count`` different queries, none answered from a cache: one or two of the records'
    words and a document number (the bodies cite 第N号), so each finds some tens of records
    rather than all of them."""
    rng = random.Random(seed)
    queries: dict[str, None] = {}
    while len(queries) < count:
        words = rng.sample(WORDS, rng.choice((1, 2)))
        queries[" ".join([*words, f"第{rng.randint(1, 999)}号"])] = None
    return list(queries)


def search_phase(port: int, searches: int) -> dict:
    """Latencies of queries one after another, then queries/s from several clients at once;
    every query is a new one, first page, with highlights, facets and related searches."""

    def run(queries: list[str], latencies: list[float]) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for query in queries:
            started = time.perf_counter()
            connection.request("GET", "/v1/search?" + urlencode({"q": query}))
            response = connection.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"search: {response.status} {body[:300]!r}")
            latencies.append(time.perf_counter() - started)

    queries = distinct_queries(20 + 2 * searches, seed=0)
    run(queries[:20], [])  # open every worker's searcher
    latencies: list[float] = []
    run(queries[20 : 20 + searches], latencies)
    latencies.sort()
    rest = queries[20 + searches :]
    threads = [
        threading.Thread(target=run, args=(rest[n::SEARCH_CLIENTS], []))
        for n in range(SEARCH_CLIENTS)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    rate = len(rest) / (time.perf_counter() - started)
    return {
        "search_p50_ms": round(1000 * latencies[len(latencies) // 2], 1),
        "search_p95_ms": round(1000 * latencies[int(len(latencies) * 0.95) - 1], 1),
        "search_queries_per_second": round(rate),
    }


def measure(engine: str, database_url: str, args: argparse.Namespace) -> dict:
    """One round of one engine on a fresh store (``database_url`` empty: SQLite)."""
    with tempfile.TemporaryDirectory(prefix=f"zhanqun-bench-{engine}-") as tmp:
        data = Path(tmp) / "data"
        store = open_store(database_url or f"sqlite:///{data / 'zhanqun.sqlite3'}")
        for code, name, tier, parent in SITES:
            register_site(store, code, name, tier, parent)
        keys = {
            code: issue_key(store, code, frozenset({"push"}), "bench", "bench").token
            for code, *_ in SITES
        }
        reader = issue_key(store, None, frozenset({"pull"}), "bench", "bench").token
        store.dispose()
        port = free_port()
        server = serve(data, database_url, port, args.workers)
        try:
            push_rate = push_phase(port, keys, args)
            pull_rate, pulled = pull_phase(port, reader, args.page)
            index_seconds = index_phase(data, database_url)
            time.sleep(1.5)  # every worker looks for a new generation at most once a second
            searches = search_phase(port, args.searches)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {
        "records": pulled,
        "push_records_per_second": round(push_rate),
        "pull_records_per_second": round(pull_rate),
        "index_seconds": round(index_seconds, 1),
        **searches,
    }


BETTER_HIGH = ("push_records_per_second", "pull_records_per_second", "search_queries_per_second")


def best(rounds: list[dict]) -> dict:
    """Each figure at its best over the rounds (highest rate, lowest time)."""
    out = dict(rounds[0])
    for key in out:
        values = [r[key] for r in rounds]
        out[key] = max(values) if key in BETTER_HIGH or key == "records" else min(values)
    return out


ROWS = (
    ("push (records/s)", "push_records_per_second", "{:,}"),
    ("pull (records/s)", "pull_records_per_second", "{:,}"),
    ("index, first run (s)", "index_seconds", "{:.1f}"),
    ("search p50 (ms)", "search_p50_ms", "{:.1f}"),
    ("search p95 (ms)", "search_p95_ms", "{:.1f}"),
    (f"search, {SEARCH_CLIENTS} clients (queries/s)", "search_queries_per_second", "{:,}"),
)


def report(figures: dict) -> str:
    setup = figures["setup"]
    lines = [
        "# Store engines: SQLite and PostgreSQL, same run",
        "",
        f"`python -m bench.engines` — {setup['records']:,} records of {setup['body_chars']} "
        f"characters; {setup['pushers']} pushers × batches of {setup['batch']}; pull pages of "
        f"{setup['page']}; {setup['searches']} searches; one `zhanqun serve` with "
        f"{setup['workers']} gunicorn workers per engine; best of {setup['rounds']} rounds, "
        f"engines alternating. {setup['cpus']} CPUs, load average {setup['load_average']} at the "
        f"start; SQLite {setup['sqlite']}, PostgreSQL {setup['postgresql']} (local, default "
        "settings, TCP on loopback).",
        "",
        "| | SQLite | PostgreSQL |",
        "| --- | ---: | ---: |",
    ]
    for label, key, form in ROWS:
        cells = [form.format(figures[engine][key]) for engine in ENGINES]
        lines.append(f"| {label} | {cells[0]} | {cells[1]} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    scratch = ScratchDatabase(args.database_url)
    postgres_url = scratch.create()
    urls = {"sqlite": "", "postgresql": postgres_url}
    rounds: dict[str, list[dict]] = {engine: [] for engine in ENGINES}
    load = os.getloadavg()[0]
    try:
        for n in range(args.rounds):
            for engine in ENGINES if n % 2 == 0 else reversed(ENGINES):
                if engine == "postgresql" and n:
                    scratch.drop()
                    urls[engine] = scratch.create()
                figures = measure(engine, urls[engine], args)
                print(f"round {n + 1} {engine}: {figures}", flush=True)
                rounds[engine].append(figures)
    finally:
        scratch.drop()
    figures = {
        "setup": {
            "records": args.records,
            "body_chars": args.chars,
            "pushers": args.pushers,
            "batch": args.batch,
            "page": args.page,
            "workers": args.workers,
            "searches": args.searches,
            "rounds": args.rounds,
            "cpus": os.cpu_count(),
            "load_average": round(load, 1),
            "sqlite": sqlite3.sqlite_version,
            "postgresql": scratch.version,
        },
        **{engine: best(rounds[engine]) for engine in ENGINES},
        "rounds": rounds,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "engines.json").write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    text = report(figures)
    (args.out / "engines.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
