"""The exchange benchmark: push and pull throughput over HTTP on SQLite, on a real gunicorn.

    python -m bench.exchange [--records N] [--pushers P] [--batch B] [--page L] [--chars C]

1. push: P threads, each with its own site's key, ``POST /v1/records`` batches of B records of
   about C characters each, until N records are in; records/s is N over the wall time;
2. pull: one reader with a cluster key reads the whole feed, ``GET /v1/changes`` pages of L;
3. mirror: ``exchange.mirror.mirror`` copies the whole feed into a second SQLite store.

gunicorn runs as ``zhanqun serve`` does (``gunicorn.conf.py``, two workers), on a free loopback
port, against a store in a temporary directory that is removed at the end. It prints the
figures and writes them to ``--out``/exchange.json.
"""

import argparse
import http.client
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

import orjson

from exchange.mirror import mirror
from exchange.store import open_store
from exchange.store.keys import issue_key
from exchange.store.sites import register_site

DEFAULT_OUT = Path(__file__).resolve().parent / "out"
SITES = [
    ("530500", "保山市人民政府", "city", None),
    ("530521", "施甸县人民政府", "county", "530500"),
    ("530581", "腾冲市人民政府", "county", "530500"),
    ("530502", "隆阳区人民政府", "county", "530500"),
]
PHRASES = (
    "保山市人民政府办公室关于印发",
    "住房公积金缴存基数调整",
    "乡村振兴重点工作推进会",
    "高黎贡山自然保护区生态保护",
    "城乡居民医疗保险参保缴费",
    "优化营商环境若干措施",
    "政务公开工作要点",
    "安全生产大检查",
    "森林防火责任制",
    "义务教育均衡发展",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.exchange", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--pushers", type=int, default=2, help="concurrent pushing sites (≤ 4)")
    parser.add_argument("--batch", type=int, default=1_000, help="records a push")
    parser.add_argument("--page", type=int, default=1_000, help="changes a pull page")
    parser.add_argument("--chars", type=int, default=1_200, help="characters a record body")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    return parser.parse_args(argv)


def body_text(rng: random.Random, chars: int) -> str:
    parts, size = [], 0
    while size < chars:
        part = f"{rng.choice(PHRASES)}（第{rng.randint(1, 999)}号），请认真贯彻落实。"
        parts.append(part)
        size += len(part)
    return "".join(parts)[:chars]


class Client:
    """One keep-alive HTTP connection with a key."""

    def __init__(self, port: int, key: str) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}

    def request(self, method: str, path: str, body: bytes | None = None) -> dict:
        self.connection.request(method, path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return orjson.loads(data)


def push_phase(port: int, keys: dict[str, str], args: argparse.Namespace) -> float:
    codes = list(keys)[: args.pushers]
    per_site = args.records // len(codes)
    batches = {}
    for n, code in enumerate(codes):
        rng = random.Random(n)
        items = [
            {
                "id": f"{code}-{i}",
                "title": f"{rng.choice(PHRASES)}{i}",
                "body": body_text(rng, args.chars),
                "published": "2024-05-01",
            }
            for i in range(per_site)
        ]
        batches[code] = [
            orjson.dumps({"items": items[i : i + args.batch]})
            for i in range(0, per_site, args.batch)
        ]
    errors: list[BaseException] = []

    def pusher(code: str) -> None:
        client = Client(port, keys[code])
        try:
            for body in batches[code]:
                client.request("POST", "/v1/records", body)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=pusher, args=(code,)) for code in codes]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    return per_site * len(codes) / seconds


def pull_phase(port: int, key: str, page: int) -> tuple[float, int]:
    client = Client(port, key)
    cursor, count = None, 0
    started = time.perf_counter()
    while True:
        query = {"limit": page, **({"since": cursor} if cursor else {})}
        answer = client.request("GET", "/v1/changes?" + urlencode(query))
        count += len(answer["changes"])
        cursor = answer["next"]
        if not answer["more"]:
            return count / (time.perf_counter() - started), count


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(data: Path, port: int, workers: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "ZHANQUN_DATA_DIR": str(data),
        "ZHANQUN_DATABASE_URL": "",
        "ZHANQUN_BIND": f"127.0.0.1:{port}",
        "ZHANQUN_WORKERS": str(workers),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "exchange.cli", "serve"],
        env=env,
        cwd=Path(__file__).resolve().parents[1],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("gunicorn did not start")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="zhanqun-bench-") as tmp:
        data = Path(tmp) / "city"
        store = open_store(f"sqlite:///{data / 'zhanqun.sqlite3'}")
        for code, name, tier, parent in SITES:
            register_site(store, code, name, tier, parent)
        keys = {
            code: issue_key(store, code, frozenset({"push"}), "bench", "bench").token
            for code, *_ in SITES
        }
        reader = issue_key(store, None, frozenset({"pull"}), "bench", "bench").token
        store.dispose()
        port = free_port()
        server = serve(data, port, args.workers)
        try:
            push_rate = push_phase(port, keys, args)
            pull_rate, pulled = pull_phase(port, reader, args.page)
            local = open_store(f"sqlite:///{Path(tmp) / 'county.sqlite3'}")
            started = time.perf_counter()
            report = mirror(local, f"http://127.0.0.1:{port}", reader, limit=args.page)
            mirror_rate = report.changes / (time.perf_counter() - started)
            local.dispose()
        finally:
            server.terminate()
            server.wait(timeout=30)
    figures = {
        "records": pulled,
        "body_chars": args.chars,
        "pushers": args.pushers,
        "batch": args.batch,
        "page": args.page,
        "workers": args.workers,
        "push_records_per_second": round(push_rate),
        "pull_records_per_second": round(pull_rate),
        "mirror_records_per_second": round(mirror_rate),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "exchange.json").write_bytes(orjson.dumps(figures, option=orjson.OPT_INDENT_2))
    print(
        f"exchange over HTTP on SQLite: {pulled:,} records of {args.chars} characters, "
        f"{args.pushers} pushers × batches of {args.batch}, pages of {args.page}, "
        f"{args.workers} gunicorn workers"
    )
    print(f"  push   {push_rate:10,.0f} records/s")
    print(f"  pull   {pull_rate:10,.0f} records/s")
    print(f"  mirror {mirror_rate:10,.0f} records/s (pull + write into a second store)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
