"""The reference-scale benchmark: ~335,000 records of a city's site cluster, in one run.

    python -m bench.scale [--records N] [--naive-docs N] [--clients N] [--seconds S] [--quick]

1. builds the cluster's records from ``../shared/corpus`` (:mod:`bench.scale_corpus`) and
   writes them into a fresh SQLite store through ``parse_item`` + ``apply_batch``;
2. full rebuild with ``indexer.engine.building.run(..., full=True)``; the naive baseline (Whoosh +
   jieba's ChineseAnalyzer, one writer) and the project's indexer on the same subset;
3. incremental: 1,000 changed records, ``zhanqun index``, seconds until an open reader
   finds them all;
4. single-client search latency over distinct typical queries and a fixed query mix (each
   request counted the first time it is made: the reader caches results), and suggest; then
   the same distinct queries to SQLite FTS5 and tantivy built over the same records
   (:mod:`bench.peers`);
5. a real ``zhanqun serve`` (gunicorn): one client, then ``--clients`` concurrent ones for
   ``--seconds`` over distinct queries and again over the fixed mix, each worker's resident
   memory sampled every second; then push and pull (bench/exchange.py's phases).

Each phase but the HTTP one runs in its own fresh process. It writes ``scale.md`` and
``scale.json`` to ``--out`` (the JSON after every phase, so a long run that fails late keeps
what it measured) and prints the Markdown. Everything it builds lives in a temporary directory
(under ``--tmp``) that is removed at the end.
"""

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
import time
import traceback
from collections.abc import Iterator
from pathlib import Path

import orjson

from bench import corpus, report
from bench.exchange import free_port
from bench.naive import naive_phase
from bench.peers import peers_phase
from bench.phases import isolated
from bench.scale_corpus import load_phase, subset_load_phase
from bench.scale_phases import (
    incremental_phase,
    rebuild_phase,
    search_latency_phase,
    store_url,
)
from bench.scale_queries import generated
from bench.scale_report import markdown

REPO = Path(__file__).resolve().parents[1]
DEFAULT_OUT = REPO / "bench" / "out"
FULL = {
    "records": 335_000,
    "naive_docs": 5_000,
    "seconds": 60.0,
    "rounds": 5,
    "suggest_rounds": 10,
    "push_records": 20_000,
    "http_single": 100,
    "typical": 300,
}
QUICK = {
    "records": 20_000,
    "naive_docs": 2_000,
    "seconds": 10.0,
    "rounds": 2,
    "suggest_rounds": 3,
    "push_records": 5_000,
    "http_single": 40,
    "typical": 100,
}
# Distinct typical queries drawn for the HTTP phase beyond the single client's: more than
# the clients can send in --seconds, so that none is repeated.
HTTP_POOL = 20_000


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scale", description=__doc__.split("\n")[0]
    )
    add = parser.add_argument
    add(
        "--quick",
        action="store_true",
        help="a smoke run: " + ", ".join(f"{k}={v}" for k, v in QUICK.items()),
    )
    add("--records", type=int, metavar="N", help=f"records of the cluster ({FULL['records']:,})")
    add(
        "--naive-docs",
        type=int,
        metavar="N",
        help=f"subset for the naive baseline ({FULL['naive_docs']:,})",
    )
    add("--clients", type=int, default=8, metavar="N", help="concurrent HTTP clients (8)")
    add("--seconds", type=float, metavar="S", help="duration of the HTTP load (60)")
    add("--workers", type=int, default=2, metavar="N", help="gunicorn workers (2)")
    add("--rounds", type=int, metavar="N", help="single-client passes over the query mix (5)")
    add("--suggest-rounds", type=int, metavar="N", help="passes over the suggest prefixes (10)")
    add("--typical", type=int, metavar="N", help="distinct typical queries, single client (300)")
    add("--http-single", type=int, metavar="N", help="distinct queries, one HTTP client (100)")
    add(
        "--changes",
        type=int,
        default=1_000,
        metavar="N",
        help="records changed for the incremental run",
    )
    add(
        "--incremental-deadline",
        type=float,
        default=600.0,
        metavar="S",
        help="give up waiting for the changes to be searchable after S seconds",
    )
    add("--push-records", type=int, metavar="N", help="records pushed over HTTP (20,000)")
    add("--seed", type=int, default=1, help="seed of the synthetic corpus (1)")
    add(
        "--corpus",
        type=Path,
        metavar="DIR",
        default=corpus.DEFAULT_CORPUS,
        help=f"directory of gov_web/xwlb/laws.jsonl (default: {corpus.DEFAULT_CORPUS})",
    )
    add(
        "--out",
        type=Path,
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"report directory ({DEFAULT_OUT})",
    )
    add(
        "--tmp",
        type=Path,
        metavar="DIR",
        default=None,
        help="where the temporary work directory goes",
    )
    add("--keep", action="store_true", help="keep the work directory (stores, index, logs)")
    args = parser.parse_args(argv)
    for name, value in (QUICK if args.quick else FULL).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    if args.records < 100 or args.naive_docs < 10 or args.clients < 1 or args.changes < 1:
        parser.error("--records ≥ 100, --naive-docs ≥ 10, --clients ≥ 1 and --changes ≥ 1")
    if args.changes > args.records // 2:
        parser.error("--changes must be at most half of --records")
    return args


def source_fingerprint() -> str:
    """A digest of the project's code (indexer/, exchange/, gunicorn.conf.py) as it is now:
    the commit alone does not say what a working tree that others are editing ran."""
    digest = hashlib.sha256()
    files = [*sorted(REPO.glob("indexer/**/*.py")), *sorted(REPO.glob("exchange/**/*.py"))]
    for path in [*files, REPO / "gunicorn.conf.py"]:
        digest.update(str(path.relative_to(REPO)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"")
    return digest.hexdigest()[:12]


def log(message: str) -> None:
    print(f"[bench.scale {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


class Run:
    """The results so far, saved after every phase."""

    def __init__(self, args: argparse.Namespace, results: dict) -> None:
        self.out = args.out.expanduser()
        self.out.mkdir(parents=True, exist_ok=True)
        self.results = results
        self.started = time.perf_counter()

    def phase(self, name: str, title: str, function, *call_args):
        log(f"{title} ...")
        load_before = os.getloadavg()
        code = source_fingerprint()
        t0 = time.perf_counter()
        try:
            value = function(*call_args)
        except Exception as error:  # a failed phase is reported, the others still run
            traceback.print_exc()
            value = {"error": f"{type(error).__name__}: {error}"}
        value["phase_wall_seconds"] = time.perf_counter() - t0
        value["source"] = code
        value["loadavg_before_after"] = [round(load_before[0], 2), round(os.getloadavg()[0], 2)]
        self.results[name] = value
        log(
            f"    done in {value['phase_wall_seconds']:.1f} s"
            + (f" — FAILED: {value['error']}" if "error" in value else "")
        )
        self.save()
        return value

    def save(self) -> None:
        self.results["total_seconds"] = time.perf_counter() - self.started
        (self.out / "scale.json").write_bytes(
            orjson.dumps(self.results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
        )


@contextlib.contextmanager
def _workdir(args: argparse.Namespace) -> Iterator[str]:
    """The run's work directory: removed at the end unless ``--keep`` (then its path is
    logged, for re-running a phase by hand against the same store and index)."""
    if not args.keep:
        with tempfile.TemporaryDirectory(prefix="zhanqun-scale-", dir=args.tmp) as tmp:
            yield tmp
        return
    tmp = tempfile.mkdtemp(prefix="zhanqun-scale-", dir=args.tmp)
    log(f"work directory kept: {tmp}")
    yield tmp


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    corpus_dir = args.corpus.expanduser().resolve()
    corpus.check_corpus(corpus_dir)
    settings = {k: v for k, v in vars(args).items() if k not in ("corpus", "out", "tmp")}
    run = Run(
        args,
        {
            "machine": report.machine_info(),
            "command": " ".join(["python -m bench.scale", *sys.argv[1:]])
            if argv is None
            else " ".join(["python -m bench.scale", *argv]),
            "corpus": str(corpus_dir),
            "settings": settings,
            "source": source_fingerprint(),
        },
    )
    with _workdir(args) as tmp:
        work = Path(tmp)
        run.results["workdir"] = report.filesystem_of(work)
        data, subset = work / "city" / "data", work / "subset" / "data"
        data.mkdir(parents=True)
        subset.mkdir(parents=True)
        subset_file = work / "subset.jsonl"
        run.phase(
            "load",
            f"1/9 build {args.records:,} records and write them into a fresh store",
            load_phase,
            store_url(data),
            str(corpus_dir),
            args.records,
            args.seed,
            args.naive_docs,
            str(subset_file),
        )
        if "error" in run.results["load"]:
            return _finish(run, args, 1)
        run.phase(
            "rebuild",
            "2/9 full rebuild (project indexer, fresh process)",
            isolated,
            rebuild_phase,
            store_url(data),
            str(data / "index"),
        )
        run.phase(
            "naive",
            f"3/9 naive baseline on {args.naive_docs:,} of the same records",
            isolated,
            naive_phase,
            [str(subset_file)],
            str(work / "naive-index"),
        )
        run.phase(
            "subset_load",
            "4/9 the same subset into a store of its own",
            isolated,
            subset_load_phase,
            store_url(subset),
            str(subset_file),
        )
        run.phase(
            "subset_index",
            "5/9 project indexer on the subset",
            isolated,
            rebuild_phase,
            store_url(subset),
            str(subset / "index"),
        )
        if "error" in run.results["rebuild"]:
            return _finish(run, args, 1)
        wanted = args.typical + args.http_single + HTTP_POOL
        queries = generated(subset_file, wanted, args.seed)
        run.results["queries"] = {
            "generated": len(queries),
            "for_single_client": min(args.typical, len(queries)),
            "examples": [params["q"] for _, params in queries[:12]],
        }
        typical, for_http = queries[: args.typical], queries[args.typical :]
        run.phase(
            "incremental",
            f"6/9 incremental: {args.changes:,} changes → searchable",
            isolated,
            incremental_phase,
            str(data),
            args.changes,
            args.seed,
            args.incremental_deadline,
        )
        run.phase(
            "search",
            "7/9 single-client search and suggest latency",
            isolated,
            search_latency_phase,
            str(data),
            args.rounds,
            args.suggest_rounds,
            typical,
        )
        run.phase(
            "peers",
            "8/9 the same distinct queries to SQLite FTS5 and tantivy",
            peers_phase,
            str(data),
            str(work / "peers"),
            [params["q"] for _, params in typical],
        )
        from bench.load import http_phase

        run.phase(
            "http",
            f"9/9 gunicorn: 1 client, {args.clients} clients × 2 × "
            f"{args.seconds:.0f} s, then push and pull",
            http_phase,
            data,
            free_port(),
            args,
            for_http,
            work / "serve.log",
        )
        if "error" in run.results["http"]:
            _print_tail(work / "serve.log")
    return _finish(run, args, 0)


def _print_tail(path: Path) -> None:
    if path.exists():
        lines = path.read_text(errors="replace").splitlines()[-30:]
        log("last lines of the server's log:\n" + "\n".join(lines))


def _finish(run: Run, args: argparse.Namespace, code: int) -> int:
    run.save()
    text = markdown(run.results)
    (run.out / "scale.md").write_text(text, encoding="utf-8")
    print(text)
    log(f"wrote {run.out / 'scale.md'} and {run.out / 'scale.json'}")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
