"""The foundation benchmark: import, full index build, a naive baseline, search latency.

One run, side by side, each phase in a fresh process::

    python -m bench [--corpus DIR] [--out bench/out] [--naive-docs N] [--limit N]

1. import: one site per corpus file, ``import_file`` of each into a fresh SQLite store;
2. a full index build of that store with the project's indexer;
3. the naive baseline (Whoosh + jieba's ``ChineseAnalyzer``) on an even subset, and the
   project's indexer on a store holding the same subset, so the ratio compares like with like;
4. search latency over the full index.

It writes ``foundation.md`` and ``foundation.json`` to ``--out`` and prints the Markdown.
Everything it builds lives in a temporary directory that is removed at the end.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench import corpus, report
from bench.naive import naive_phase
from bench.phases import import_phase, index_phase, isolated, search_phase

DEFAULT_OUT = Path(__file__).resolve().parent / "out"

QUERIES = (
    "国务院",
    "疫情防控",
    "住房公积金",
    "乡村振兴 发展",
    '"国务院办公厅"',
    "习近平 总书记",
    "经济 增长",
    "环境保护",
    "食品安全 监督管理",
    "交通运输",
    "教育 改革",
    "医疗保险",
    "脱贫攻坚",
    "一带一路",
    "人民代表大会 常务委员会",
    "行政许可",
    "税收 优惠 政策",
    '"中华人民共和国"',
    "北京市 住房",
    "安全生产",
)
SEARCHES = 200


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--corpus", type=Path, metavar="DIR", default=corpus.DEFAULT_CORPUS,
        help=f"directory of gov_web/xwlb/laws.jsonl (default: {corpus.DEFAULT_CORPUS})",
    )  # fmt: skip
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=DEFAULT_OUT,
        help=f"report directory (default: {DEFAULT_OUT})",
    )
    parser.add_argument(
        "--naive-docs", type=int, metavar="N", default=3000,
        help="documents in the subset for the naive comparison, evenly across the files",
    )  # fmt: skip
    parser.add_argument(
        "--limit", type=int, metavar="N", default=None,
        help="import only the first N lines of each file (a quick smoke run)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        parser.error("--limit must be at least 1")
    if args.naive_docs < 3:
        parser.error("--naive-docs must be at least 3")
    return args


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _files(slices: list[corpus.FileSlice]) -> list[tuple[str, str, dict]]:
    return [(s.name, str(s.path), vars(s.site)) for s in slices]


def _store_url(directory: Path) -> str:
    return f"sqlite:///{directory / 'zhanqun.sqlite3'}"


def run(args: argparse.Namespace) -> dict:
    corpus_dir = args.corpus.expanduser().resolve()
    corpus.check_corpus(corpus_dir)
    log(f"reading {corpus_dir} (limit={args.limit})")
    full = corpus.read_slices(corpus_dir, args.limit)
    subset = corpus.even_subset(full, args.naive_docs)
    results: dict = {
        "machine": report.machine_info(),
        "command": " ".join(["python -m bench", *sys.argv[1:]]),
        "corpus": str(corpus_dir),
        "limit": args.limit,
        "queries": list(QUERIES),
    }
    with tempfile.TemporaryDirectory(prefix="zhanqun-bench-") as tmp:
        work = Path(tmp)
        results["workdir"] = report.filesystem_of(work)
        full_files = corpus.materialise(full, work / "input-full", whole=args.limit is None)
        sub_files = corpus.materialise(subset, work / "input-subset", whole=False)

        n_docs = sum(s.docs for s in full)
        log(f"1/6 import {n_docs} lines into a fresh SQLite store")
        results["import"] = isolated(import_phase, _store_url(work / "full"), _files(full_files))
        results["import"]["corpus"] = _describe(full)
        log(f"    {results['import']['seconds']:.1f} s")

        log("2/6 full index build (project indexer)")
        index_full = work / "full" / "index"
        results["index"] = isolated(index_phase, _store_url(work / "full"), str(index_full))
        log(f"    {results['index']['seconds']:.1f} s")

        log(f"3/6 search latency: {SEARCHES} searches")
        results["search"] = isolated(search_phase, str(index_full), list(QUERIES), SEARCHES)

        log(f"4/6 import the subset ({sum(s.docs for s in subset)} lines)")
        sub_url = _store_url(work / "subset")
        results["subset_import"] = isolated(import_phase, sub_url, _files(sub_files))
        results["subset_import"]["corpus"] = _describe(subset)

        log("5/6 project indexer on the subset")
        results["subset_index"] = isolated(index_phase, sub_url, str(work / "subset" / "index"))
        log(f"    {results['subset_index']['seconds']:.1f} s")

        log("6/6 naive baseline (Whoosh + jieba ChineseAnalyzer) on the subset")
        paths = [str(s.path) for s in sub_files]
        results["naive"] = isolated(naive_phase, paths, str(work / "naive-index"))
        log(f"    {results['naive']['seconds']:.1f} s")
    return results


def _describe(slices: list[corpus.FileSlice]) -> dict:
    return {
        s.name: {"site": s.site.code, "docs": s.docs, "chars": s.chars, "bytes": s.bytes}
        for s in slices
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    results = run(args)
    results["total_seconds"] = time.perf_counter() - started
    markdown = report.markdown(results)
    out = args.out.expanduser()
    out.mkdir(parents=True, exist_ok=True)
    (out / "foundation.json").write_bytes(
        orjson.dumps(results, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
    )
    (out / "foundation.md").write_text(markdown, encoding="utf-8")
    print(markdown)
    log(f"wrote {out / 'foundation.md'} and {out / 'foundation.json'}")
    return 0
