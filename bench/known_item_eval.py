"""The known-item evaluation: one split of the set, searched in two flows and on the naive index.

    python -m bench.relevance [--split dev|test] [--flows rebuild,user] [--targets N]
                              [--limit N] [--quick] [--corpus DIR] [--out DIR]

The set (:mod:`bench.known_items`) is made from the corpus alone, before any index exists.
Then each flow builds an index over the same corpus documents, and each index is searched
right after its build, in a fresh process, as the product searches
(``search(reader, SearchRequest(text=q, page_size=10, facets=False))``, corrections on):

* ``rebuild``: the corpus imported into a fresh store, one site per file, and a full rebuild
  (``building.run(full=True)``, what ``zhanqun index --full`` runs), as ``bench.relevance``
  always did;
* ``user``: what a new user does, with the real command in subprocesses on one data dir:
  ``zhanqun demo --no-serve`` (the demo cluster, indexed by an incremental run), then
  ``zhanqun import FILE --site CODE`` for each corpus file into a demo site, then ``zhanqun
  index`` (incremental, not ``--full``). The demo's 400 records stay in the index beside the
  corpus.

The naive index (Whoosh + jieba, ``bench/naive.py``) is built over the same documents in the
same run and answers the same queries. Writes ``known_items_{split}.md`` and ``.json`` to
``--out`` (the JSON after every phase, so a run that fails late keeps what it measured). The
test split's report holds figures only, never its queries or failures: tune on dev.
"""

import argparse
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bench import corpus
from bench.foundation import _files, _store_url, log
from bench.known_item_report import markdown, metrics
from bench.known_items import SEEDS, KnownItemGenerator
from bench.naive import naive_phase
from bench.phases import import_phase, index_phase, isolated, percentiles
from bench.queries import load_docs
from bench.relevance import REPO, TOP, _forking, _rank, indexed_phase, machine, naive_eval_phase
from bench.relevance import source_digest as code_digest

FLOWS = ("rebuild", "user")
ZHANQUN = [sys.executable, "-m", "exchange.cli"]
COMMAND_TIMEOUT = 3 * 3600
QUICK_LIMIT, QUICK_TARGETS = 3000, 200


def evaluate_phase(index_root: str, queries: list[tuple[str, list[str]]]) -> dict:
    """Every query as the product runs it: rank of the first relevant hit, total, the first
    three hits, the correction (applied or only suggested) and the time it took."""
    from indexer.engine.searching import IndexReader, SearchRequest, search

    reader = IndexReader(Path(index_root), refresh_seconds=3600)
    search(reader, SearchRequest(text="国务院", page_size=TOP, facets=False))  # opens it all
    results, timings = [], []
    for text, relevant in queries:
        started = time.perf_counter()
        try:
            found = search(reader, SearchRequest(text=text, page_size=TOP, facets=False))
        except Exception as error:  # a query the product refuses counts as no result
            results.append({"rank": None, "total": 0, "top": [], "error": repr(error)})
            continue
        timings.append((time.perf_counter() - started) * 1000)
        ids = [hit.key.split("/", 1)[1] for hit in found.hits]
        titles = [re.sub("</?mark>", "", hit.title) for hit in found.hits[:3]]
        fix = found.correction
        results.append({
            "rank": _rank(ids, set(relevant)),
            "total": found.total,
            "top": [list(pair) for pair in zip(ids, titles, strict=False)],
            "correction": (
                {"kind": fix.kind, "query": fix.query, "applied": getattr(fix, "applied", True)}
                if fix else None
            ),
        })  # fmt: skip
    reader.close()
    return {"results": results, "latency": {"count": len(timings), **percentiles(timings)}}


def rebuild_flow(work: Path, files: list[corpus.FileSlice]) -> tuple[dict, Path]:
    """Import into a fresh store, one site per file, then a full rebuild."""
    work.mkdir(parents=True)
    url, index_root = _store_url(work), work / "index"
    imported = isolated(import_phase, url, _files(files))
    built = isolated(_forking, index_phase, url, str(index_root))
    steps = [
        {
            "step": f"import {f['file']} (site {f['site']})",
            "seconds": f["seconds"],
            "outcome": f"accepted {f['accepted']} of {f['lines']}, rejected {f['rejected']}",
        }
        for f in imported["files"]
    ]
    steps.append({"step": "full rebuild", "seconds": built["seconds"], "outcome": built["summary"]})
    return {"steps": steps}, index_root


def user_flow(work: Path, files: list[corpus.FileSlice]) -> tuple[dict, Path]:
    """The demo cluster, the corpus imported into its sites, an incremental index run."""
    data = work / "zhanqun-data"
    work.mkdir(parents=True)
    commands = [["demo", "--no-serve"]]
    commands += [["import", str(f.path), "--site", f.site.code] for f in files]
    commands.append(["index"])
    steps = []
    for args in commands:
        steps.append(zhanqun(data, args, ok=(0, 65) if args[0] == "import" else (0,)))
        log(f"    zhanqun {' '.join(args[:2])}: {steps[-1]['seconds']:.1f} s")
    return {"steps": steps, "data_dir": str(data)}, data / "index"


def zhanqun(data_dir: Path, args: list[str], ok: tuple[int, ...]) -> dict:
    """Run ``zhanqun ARGS`` with ``ZHANQUN_DATA_DIR`` set, in a session of its own (killed with
    everything it started if the run is interrupted); its time, exit code and last line."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHANQUN_")}
    env["ZHANQUN_DATA_DIR"] = str(data_dir)
    started = time.perf_counter()
    process = subprocess.Popen(
        [*ZHANQUN, *args],
        env=env,
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        stdout, stderr = process.communicate(timeout=COMMAND_TIMEOUT)
    except BaseException:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise
    seconds = time.perf_counter() - started
    shown = " ".join(a if not a.startswith("/") else Path(a).name for a in args)
    if process.returncode not in ok:
        raise RuntimeError(
            f"zhanqun {shown} exited {process.returncode}\nstdout:\n{stdout}\nstderr:\n{stderr}"
        )
    lines = stdout.strip().splitlines()
    problems = [line for line in stderr.splitlines() if re.search(r":\d+: ", line)]
    return {
        "step": f"zhanqun {shown}",
        "seconds": seconds,
        "exit": process.returncode,
        "outcome": lines[-1] if lines else "",
        "rejected_lines": problems[:20],
    }


def git_state() -> dict:
    """The commit measured, and whether the product's code differed from it."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True)
        return done.stdout.strip()

    changed = git("status", "--porcelain", "--", "indexer", "exchange")
    return {"commit": git("rev-parse", "--short", "HEAD"), "product_changes": changed.splitlines()}


class Run:
    """One evaluation run and its results, written out after every phase."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.json_path = args.out / f"known_items_{args.split}.json"
        self.md_path = args.out / f"known_items_{args.split}.md"
        self.out: dict = {
            "machine": machine(),
            "git": git_state(),
            "command": " ".join(["python -m bench.relevance", *sys.argv[1:]]),
            "corpus": str(args.corpus),
            "limit": args.limit,
            "split": args.split,
            "seed": SEEDS[args.split],
            "targets_wanted": args.targets,
            "flows": {},
        }

    def save(self) -> None:
        self.args.out.mkdir(parents=True, exist_ok=True)
        data = dict(self.out)
        if self.args.split != "dev":  # the test split's queries and results stay unseen
            data.pop("queries", None)
        self.json_path.write_bytes(
            orjson.dumps(data, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS) + b"\n"
        )

    def flow(self, flow: str, work: Path, files: list, known, payload: list) -> tuple[dict, list]:
        """Build one flow's index, then search it: the flow's record and per-query results."""
        started, digest = time.perf_counter(), code_digest()
        build = rebuild_flow if flow == "rebuild" else user_flow
        record, index_root = build(work / flow, files)
        record.update(source_digest=digest, build_seconds=time.perf_counter() - started)
        log(f"    built in {record['build_seconds']:.0f} s; {len(payload)} queries")
        indexed = set(isolated(indexed_phase, str(index_root)))
        record["not_indexed_targets"] = [t.id for t in known.targets if t.id not in indexed]
        evaluated = isolated(evaluate_phase, str(index_root), payload)
        record["latency"] = evaluated["latency"]
        record["source_digest_end"] = code_digest()
        return record, evaluated["results"]

    def run(self) -> dict:
        started = time.perf_counter()
        args, out = self.args, self.out
        corpus.check_corpus(args.corpus)
        log(f"reading {args.corpus} (limit={args.limit})")
        slices = corpus.read_slices(args.corpus, args.limit)
        docs = load_docs(slices)
        out["docs"] = len(docs)
        log(
            f"known-item set, split {args.split} (seed {SEEDS[args.split]}): {args.targets} targets"
        )
        t0 = time.perf_counter()
        known = KnownItemGenerator(docs).generate(args.split, args.targets)
        out["set"] = describe_set(known, time.perf_counter() - t0)
        del docs
        queries = known.queries
        payload = [(q.text, list(q.relevant)) for q in queries]
        log(f"    {len(known.targets)} targets, {len(queries)} queries")
        results: dict[str, list[dict]] = {}
        with tempfile.TemporaryDirectory(prefix="zhanqun-known-items-") as tmp:
            work = Path(tmp)
            files = corpus.materialise(slices, work / "input", whole=args.limit is None)
            for n, flow in enumerate(args.flows, start=1):
                log(f"flow {n}/{len(args.flows)}: {flow}")
                try:
                    out["flows"][flow], results[flow] = self.flow(flow, work, files, known, payload)
                except Exception as error:  # reported; the other flow and naive still run
                    log(f"    flow {flow} failed: {error!r}")
                    out.setdefault("failed", {})[flow] = repr(error)
                self.save()
            log("naive index (Whoosh + jieba ChineseAnalyzer)")
            naive_dir = str(work / "naive")
            out["naive"] = isolated(naive_phase, [str(f.path) for f in files], naive_dir)
            log(f"    built in {out['naive']['seconds']:.0f} s; {len(payload)} queries")
            naive = isolated(naive_eval_phase, naive_dir, payload)
            out["naive"]["latency"] = naive["search_latency"]
            results["naive"] = naive["results"]
        out["queries"] = [
            {**vars(q), "relevant": list(q.relevant), **{s: r[k] for s, r in results.items()}}
            for k, q in enumerate(queries)
        ]
        out["metrics"] = metrics(out["queries"], out["flows"])
        out["total_seconds"] = time.perf_counter() - started
        self.save()
        return out


def describe_set(known, seconds: float) -> dict:
    from collections import Counter

    return {
        "targets": len(known.targets),
        "queries": len(known.queries),
        "by_file": dict(Counter(t.file for t in known.targets)),
        "by_form": dict(Counter(q.form for q in known.queries)),
        "words": dict(sorted(Counter(len(t.words) for t in known.targets).items())),
        "characters": dict(sorted(Counter(len("".join(t.words)) for t in known.targets).items())),
        "holding": dict(sorted(Counter(t.holding for t in known.targets).items())),
        "skipped": dict(known.skipped),
        "seconds": seconds,
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("the known-item evaluation (the default)")
    group.add_argument("--split", choices=tuple(SEEDS), default="dev", help="default: dev")
    group.add_argument(
        "--flows", default=",".join(FLOWS), metavar="LIST",
        help="rebuild, user or both, comma-separated (default: both)",
    )  # fmt: skip
    group.add_argument("--targets", type=int, metavar="N", help="targets (default 1,000)")
    group.add_argument(
        "--quick", action="store_true",
        help=f"--limit {QUICK_LIMIT} --targets {QUICK_TARGETS} unless given: a few minutes",
    )  # fmt: skip


def check_arguments(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    args.flows = tuple(dict.fromkeys(f.strip() for f in args.flows.split(",") if f.strip()))
    if not args.flows or set(args.flows) - set(FLOWS):
        parser.error(f"--flows takes {' and '.join(FLOWS)}")
    if args.quick:
        args.limit = QUICK_LIMIT if args.limit is None else args.limit
        args.targets = QUICK_TARGETS if args.targets is None else args.targets
    args.targets = 1000 if args.targets is None else args.targets
    if args.targets < 1:
        parser.error("--targets must be at least 1")
    args.corpus = args.corpus.expanduser().resolve()
    args.out = args.out.expanduser()


def main(args: argparse.Namespace) -> int:
    run = Run(args)
    results = run.run()
    text = markdown(results)
    run.md_path.write_text(text, encoding="utf-8")
    print(text)
    log(f"wrote {run.md_path} and {run.json_path}")
    return 0
