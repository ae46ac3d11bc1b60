"""Relevance at corpus scale: Zhanqun vs the naive Whoosh + jieba index, on generated queries.

    python -m bench.relevance [--split dev|test] [--flows rebuild,user] [--targets N] [--quick]
    python -m bench.relevance --kinds [--per-kind N] [--seed S]
    (both: [--corpus DIR] [--out DIR] [--limit N])

The headline is the known-item evaluation (``bench/known_item_eval.py``): 1,000 targets of a
split, six forms of each one's query, searched in two flows (full rebuild; demo + import +
incremental index) and on the naive index; ``known_items_{split}.md`` and ``.json``.

``--kinds``: the earlier six-kind report. Import the corpus into a fresh store (one site per
file) and build the project's index; build the naive index (Whoosh +
``jieba.analyse.ChineseAnalyzer`` on title and body) over the same documents; generate queries
of six kinds from the corpus (``bench/queries.py``); run every query on both; then time
searches and suggestions on the project's index. Each build and each evaluation runs in a
fresh process. Writes ``relevance.md`` and ``relevance.json`` to ``--out`` and prints the
Markdown.
"""

import argparse
import contextlib
import hashlib
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import orjson

from bench import corpus
from bench.foundation import DEFAULT_OUT, _files, _store_url, log
from bench.naive import naive_phase
from bench.phases import import_phase, index_phase, isolated, percentiles
from bench.queries import KINDS, Corpus, Generator, load_docs, suggest_prefixes

TOP = 10
REPO = Path(__file__).resolve().parents[1]
TABLE4 = "| --- | ---: | ---: | ---: |"
PACKAGES = ("zhanqun", "Whoosh-Reloaded", "rjieba", "jieba", "pypinyin")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    from bench import known_item_eval

    parser = argparse.ArgumentParser(
        prog="python -m bench.relevance",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--corpus", type=Path, metavar="DIR", default=corpus.DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, metavar="DIR", default=DEFAULT_OUT)
    parser.add_argument(
        "--limit", type=int, metavar="N", default=None,
        help="only the first N lines of each corpus file (a quick run)",
    )  # fmt: skip
    known_item_eval.add_arguments(parser)
    kinds = parser.add_argument_group("the six-kind report (--kinds)")
    kinds.add_argument("--kinds", action="store_true", help="run the six-kind report instead")
    kinds.add_argument("--per-kind", type=int, metavar="N", default=100, help="queries per kind")
    kinds.add_argument("--seed", type=int, metavar="S", default=1, help="query generation seed")
    args = parser.parse_args(argv)
    if args.per_kind < 1 or (args.limit is not None and args.limit < 1):
        parser.error("--per-kind and --limit must be at least 1")
    if not args.kinds:
        known_item_eval.check_arguments(parser, args)
    return args


def _rank(ids: list[str], relevant: set[str]) -> int | None:
    return next((r for r, i in enumerate(ids, start=1) if i in relevant), None)


def zhanqun_phase(index_root: str, queries: list[tuple[str, list[str]]], prefixes: list[str]):
    """Every query as the product runs it (corrections on, no facets), then the latencies."""
    from indexer.engine.searching import IndexReader, SearchRequest, search
    from indexer.suggesting import suggest

    reader = IndexReader(Path(index_root), refresh_seconds=3600)
    t0 = time.perf_counter()
    search(reader, SearchRequest(text="国务院", page_size=TOP))
    opening_ms = (time.perf_counter() - t0) * 1000
    results = []
    for text, relevant in queries:
        try:
            found = search(reader, SearchRequest(text=text, page_size=TOP, facets=False))
        except Exception as error:  # a query the product refuses counts as no result
            results.append({"rank": None, "total": 0, "top": [], "error": repr(error)})
            continue
        hits = found.hits
        ids = [hit.key.split("/", 1)[1] for hit in hits]
        fix = found.correction
        results.append({
            "rank": _rank(ids, set(relevant)),
            "total": found.total,
            "top": [[ids[k], re.sub("</?mark>", "", h.title)] for k, h in enumerate(hits[:3])],
            # applied: searched instead of what was typed; else only suggested (您是不是要找)
            "correction": [fix.kind, fix.query, getattr(fix, "applied", True)] if fix else None,
        })  # fmt: skip
    timings, load = [], os.getloadavg()[0]
    for text, _ in queries:  # the latency pass: facets on, highlights as returned
        t = time.perf_counter()
        with contextlib.suppress(Exception):
            search(reader, SearchRequest(text=text, page=1, page_size=TOP, facets=True))
        timings.append((time.perf_counter() - t) * 1000)
    suggest_ms, n = [], 0
    for prefix in prefixes:
        t = time.perf_counter()
        n += bool(suggest(reader, prefix))
        suggest_ms.append((time.perf_counter() - t) * 1000)
    reader.close()
    return {
        "opening_search_ms": opening_ms,
        "results": results,
        "search_latency": {"count": len(timings), "load_1min": load, **percentiles(timings)},
        "suggest_latency": {"count": len(suggest_ms), "answered": n, **percentiles(suggest_ms)},
    }


def _forking(function, *args):
    """``function`` with 'fork' as the start method, as on a Linux command line: the index
    writer's children must inherit its segmenter (under ``isolated``, they would be spawned)."""
    import multiprocessing

    multiprocessing.set_start_method("fork", force=True)
    return function(*args)


def indexed_phase(index_root: str) -> list[str]:
    """The corpus ids the project's live index holds (held records are never indexed)."""
    from indexer.engine.generations import Generations

    generations = Generations(Path(index_root))
    index = generations.open(generations.current())
    with index.searcher() as searcher:
        keys = [k.decode() if isinstance(k, bytes) else k for k in searcher.lexicon("key")]
    index.close()
    return [key.split("/", 1)[1] for key in keys]


def naive_eval_phase(index_dir: str, queries: list[tuple[str, list[str]]]) -> dict:
    """Every query through Whoosh's default MultifieldParser over title and body (AND)."""
    import logging

    import jieba
    from whoosh import index as whoosh_index
    from whoosh.qparser import MultifieldParser

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    index = whoosh_index.open_dir(index_dir)
    parser = MultifieldParser(["title", "body"], index.schema)
    results, timings = [], []
    with index.searcher() as searcher:
        for text, relevant in queries:
            t = time.perf_counter()
            try:
                hits = searcher.search(parser.parse(text), limit=TOP)
                top = [(h["id"], h.get("title", "")) for h in hits]
            except Exception as error:  # a parser error is a query with no result
                results.append({"rank": None, "total": 0, "top": [], "error": repr(error)})
                continue
            timings.append((time.perf_counter() - t) * 1000)
            results.append({
                "rank": _rank([i for i, _ in top], set(relevant)),
                "total": len(top),  # returned, at most 10: enough to tell zero results
                "top": [list(x) for x in top[:3]],
            })  # fmt: skip
    index.close()
    return {"results": results, "search_latency": {"count": len(timings), **percentiles(timings)}}


def source_digest() -> str:
    """A digest of the project's code (indexer/, exchange/): the tree changes between runs."""
    digest = hashlib.sha256()
    for path in sorted(p for top in ("indexer", "exchange") for p in (REPO / top).rglob("*.py")):
        digest.update(path.relative_to(REPO).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            versions[name] = metadata.version(name)
    return {
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "packages": versions,
        "source_digest": source_digest(),
    }


def run(args: argparse.Namespace) -> dict:
    corpus_dir = args.corpus.expanduser().resolve()
    corpus.check_corpus(corpus_dir)
    log(f"reading {corpus_dir} (limit={args.limit})")
    slices = corpus.read_slices(corpus_dir, args.limit)
    docs = load_docs(slices)
    out: dict = {
        "machine": machine(),
        "command": " ".join(["python -m bench.relevance", *sys.argv[1:]]),
        "corpus": str(corpus_dir),
        "limit": args.limit,
        "seed": args.seed,
        "per_kind": args.per_kind,
        "docs": len(docs),
    }
    with tempfile.TemporaryDirectory(prefix="zhanqun-relevance-") as tmp:
        work = Path(tmp)
        files = corpus.materialise(slices, work / "input", whole=args.limit is None)
        log(f"1/5 import {len(docs)} documents")
        out["import"] = isolated(import_phase, _store_url(work), _files(files))
        log(f"    {out['import']['seconds']:.1f} s")
        log("2/5 project index build")
        index_root = str(work / "index")
        out["index"] = isolated(_forking, index_phase, _store_url(work), index_root)
        log(f"    {out['index']['seconds']:.1f} s")
        indexed = set(isolated(indexed_phase, index_root))
        out["not_indexed"] = sorted(d.id for d in docs if d.id not in indexed)
        started = time.perf_counter()
        queries = Generator(Corpus(docs, indexed), args.seed).generate(args.per_kind)
        out["generation_seconds"] = time.perf_counter() - started
        log(f"generated {len(queries)} queries in {out['generation_seconds']:.1f} s")
        payload = [(q.text, q.relevant) for q in queries]
        prefixes = suggest_prefixes(queries)
        # Zhanqun is evaluated right after its build: the code under test may change while
        # the naive index builds, and a changed schema would not open the index.
        log(f"3/5 Zhanqun: {len(payload)} queries, then latency, {len(prefixes)} suggestions")
        zq = isolated(zhanqun_phase, index_root, payload, prefixes)
        log("4/5 naive index build (Whoosh + jieba ChineseAnalyzer)")
        naive_dir = str(work / "naive")
        out["naive_index"] = isolated(naive_phase, [str(f.path) for f in files], naive_dir)
        log(f"    {out['naive_index']['seconds']:.1f} s")
        log("5/5 naive: the same queries")
        nv = isolated(naive_eval_phase, naive_dir, payload)
    out["latency"] = {
        "opening_search_ms": zq["opening_search_ms"],
        "search": zq["search_latency"],
        "suggest": zq["suggest_latency"],
        "naive_search": nv["search_latency"],
    }
    out["queries"] = [
        {
            "kind": q.kind, "variant": q.variant, "text": q.text, "note": q.note,
            "source": q.source, "relevant_count": len(q.relevant), "relevant": q.relevant[:5],
            "zhanqun": z, "naive": n,
        }
        for q, z, n in zip(queries, zq["results"], nv["results"], strict=True)
    ]  # fmt: skip
    out["metrics"] = metrics(out["queries"])
    return out


def _scores(rows: list[dict], system: str) -> dict:
    ranks = [r[system]["rank"] for r in rows]
    return {
        "success": sum(r is not None for r in ranks) / len(rows),
        "mrr": sum(1 / r for r in ranks if r) / len(rows),
        "zero": sum(r[system]["total"] == 0 for r in rows) / len(rows),
    }


def metrics(rows: list[dict]) -> dict:
    groups: dict[str, list[dict]] = {}
    for kind in KINDS:
        of_kind = [r for r in rows if r["kind"] == kind]
        if of_kind:
            groups[kind] = of_kind
        for variant in dict.fromkeys(r["variant"] for r in of_kind if r["variant"]):
            groups[f"{kind} · {variant}"] = [r for r in of_kind if r["variant"] == variant]
    groups["all"] = rows
    return {
        name: {
            "n": len(group),
            "relevant_median": statistics.median(r["relevant_count"] for r in group),
            "corrected": sum(_applied(r["zhanqun"]) is True for r in group),
            "suggested": sum(_applied(r["zhanqun"]) is False for r in group),
            "errors": sum(bool(r["zhanqun"].get("error")) for r in group),
            "zhanqun": _scores(group, "zhanqun"),
            "naive": _scores(group, "naive"),
        }
        for name, group in groups.items()
    }


def _applied(result: dict) -> bool | None:
    """Whether the product searched a correction (None: it proposed none)."""
    fix = result.get("correction")
    return None if not fix else (fix[2] if len(fix) > 2 else True)


def _pct(x: float) -> str:
    return f"{x:.0%}" if x in (0, 1) else f"{x:.1%}"


def _rank_text(result: dict) -> str:
    text = str(result["rank"]) if result["rank"] else ("—, 0 hits" if result["total"] == 0 else "—")
    if result.get("correction"):
        how = "→" if _applied(result) else "suggested"
        text += f" ({how} `{result['correction'][1]}`)"
    return text


def markdown(r: dict) -> str:
    m, imp, idx, nvi, lat = r["machine"], r["import"], r["index"], r["naive_index"], r["latency"]
    imported = sum(f["accepted"] for f in imp["files"])
    scope = "full corpus" if r["limit"] is None else f"first {r['limit']} lines of each file"
    lines = [
        "# Zhanqun relevance benchmark",
        "",
        f"- {m['date']}; code digest `{m['source_digest']}` (sha256 of indexer/ and exchange/"
        + (
            f"; `{r['source_digest_end']}` at the end: the code changed during the run"
            if r["source_digest_end"] != m["source_digest"]
            else "; unchanged during the run"
        )
        + f"); Python {m['python']}; {m['platform']}; {m['cpus']} CPUs; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- corpus `{r['corpus']}` ({scope}): {r['docs']:,} documents; seed {r['seed']}, "
        f"{r['per_kind']} queries per kind wanted; command `{r['command']}`; "
        f"whole run {r['total_seconds']:.0f} s",
        "",
        "Zhanqun: `search(reader, SearchRequest(text=q, page_size=10, facets=False))`, "
        "corrections on. Naive: Whoosh + `jieba.analyse.ChineseAnalyzer` on title and body, "
        "`MultifieldParser(['title', 'body'], schema)` (AND), `searcher.search(q, limit=10)`; "
        "a parser error counts as zero results. Success@10: a relevant document in the top 10; "
        "MRR@10: mean of 1/rank of the first relevant one (0 if none in the top 10). "
        "Sub-rows (·) split a kind by how its queries were made.",
        "",
        "## Builds",
        "",
        "| build | docs | seconds | docs/s | on disk |",
        "| --- | ---: | ---: | ---: | ---: |",
        *(
            f"| {label} | {n:,} | {ph['seconds']:.1f} | {n / ph['seconds']:,.0f} "
            f"| {ph[size] / 2**20:,.1f} MiB |"
            for label, n, ph, size in (
                ("import into SQLite (`import_file`), store", imported, imp, "store_bytes"),
                ("Zhanqun index (`building.run`, full)", idx["docs"], idx, "index_bytes"),
                ("naive index (Whoosh + ChineseAnalyzer)", nvi["docs"], nvi, "index_bytes"),
            )
        ),
        "",
        f"Query generation took {r['generation_seconds']:.1f} s. {len(r['not_indexed'])} "
        "imported documents are not in Zhanqun's index (held for confidentiality review); they "
        f"are never a query's target nor counted relevant: {r['not_indexed'][:8] or 'none'}.",
        "",
    ]
    mt = r["metrics"]
    for title, key in (("Success@10", "success"), ("MRR@10", "mrr"), ("Zero-result rate", "zero")):
        lines += [f"## {title}", "", "| kind | queries | Zhanqun | naive |", TABLE4]
        for name, g in mt.items():
            z, n = g["zhanqun"][key], g["naive"][key]
            zt, nt = (f"{z:.3f}", f"{n:.3f}") if key == "mrr" else (_pct(z), _pct(n))
            label = f"**{name}**" if name == "all" else name
            lines.append(f"| {label} | {g['n']} | {zt} | {nt} |")
        lines.append("")
    lines += [
        "## Query counts",
        "",
        "| kind | queries | median relevant docs | Zhanqun searched a correction "
        "| Zhanqun only suggested one | Zhanqun raised an error |",
        TABLE4 + " ---: | ---: |",
        *(
            f"| {k} | {g['n']} | {g['relevant_median']:g} | {g['corrected']} "
            f"| {g.get('suggested', 0)} | {g['errors']} |"
            for k, g in mt.items()
        ),
        "",
        "## Latency (full index of this run, one process, warm)",
        "",
        "| operation | count | p50 ms | p95 ms | p99 ms | mean ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for label, s in (
        ("Zhanqun search (facets on, highlights, page 1, size 10)", lat["search"]),
        ("Zhanqun suggest (title and pinyin prefixes)", lat["suggest"]),
        ("naive search (limit 10, no facets or highlights)", lat["naive_search"]),
    ):
        lines.append(
            f"| {label} | {s['count']} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} | {s['p99_ms']:.1f} "
            f"| {s['mean_ms']:.1f} | {s['max_ms']:.1f} |"
        )
    lines += [
        "",
        f"Search latency: one pass over all {lat['search']['count']} generated queries after the "
        f"evaluation pass; the opening search (loads segmenter and index) took "
        f"{lat['opening_search_ms']:.0f} ms and is not included. The machine's 1-minute load "
        f"average as the pass began: {lat['search'].get('load_1min', 0):.1f} on {m['cpus']} "
        "CPUs (other work on the machine inflates these figures). Suggest: "
        f"{lat['suggest']['answered']} of {lat['suggest']['count']} prefixes got a suggestion.",
        "",
        "## Examples (first queries of each kind; rank of the first relevant hit, — if none)",
        "",
        "| kind | query | made from | relevant | Zhanqun rank | naive rank |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for kind in KINDS:
        for q in [q for q in r["queries"] if q["kind"] == kind][:4]:
            lines.append(
                f"| {kind} | `{q['text']}` | {_source(q)} | {q['relevant_count']} "
                f"| {_rank_text(q['zhanqun'])} | {_rank_text(q['naive'])} |"
            )
    lines += [
        "",
        "## Zhanqun misses (up to 4 per kind: no relevant document in its top 10)",
        "",
        "| kind | query | made from | relevant | Zhanqun's top 3 | naive rank |",
        "| --- | --- | --- | ---: | --- | --- |",
    ]
    for kind in KINDS:
        for q in [q for q in r["queries"] if q["kind"] == kind and not q["zhanqun"]["rank"]][:4]:
            error = q["zhanqun"].get("error")
            top = "; ".join(t[:30] for _, t in q["zhanqun"]["top"]) or f"(none) {error or ''}"
            if _applied(q["zhanqun"]):
                top = f"→ `{q['zhanqun']['correction'][1]}`: {top}"
            lines.append(
                f"| {kind} | `{q['text']}` | {_source(q)} | {q['relevant_count']} | {top} "
                f"| {_rank_text(q['naive'])} |"
            )
    return "\n".join(lines) + "\n"


def _source(q: dict) -> str:
    how = q["note"] or q["variant"]
    return (q["source"][:40] + (f" ({how})" if how else "")).replace("|", "\\|")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if not args.kinds:
        from bench import known_item_eval

        return known_item_eval.main(args)
    started = time.perf_counter()
    results = run(args)
    results["total_seconds"] = time.perf_counter() - started
    results["source_digest_end"] = source_digest()
    text = markdown(results)
    out = args.out.expanduser()
    out.mkdir(parents=True, exist_ok=True)
    (out / "relevance.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2) + b"\n")
    (out / "relevance.md").write_text(text, encoding="utf-8")
    print(text)
    log(f"wrote {out / 'relevance.md'} and {out / 'relevance.json'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
