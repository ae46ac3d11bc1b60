"""The peers: SQLite FTS5 and tantivy over the same records, asked the same queries.

    python -m bench.peers WORKDIR [--typical N] [--seed N]

A figure of Zhanqun's alone says little on a shared two-core machine; beside two engines
asked the same thing in the same run it says how far off it is. Each peer is built over the
records the live generation holds (its stored titles and bodies), tokenised with the
generation's own segmenter (rjieba, the dictionary the index was built with): the index
tokens, compounds stacked on their leaves, space-joined, so that a query word is one token
to the peers as it is to Zhanqun. A query is its words as Zhanqun segments them, all
required, each in the title or the body (title weighted 3, as Zhanqun's boost); the answer
is the top 10 by the engine's BM25 with a highlighted title and body snippet each, and an
exact total.

Neither peer widens a word, corrects a typo, counts facets or applies a recency factor:
they are the floor of what a search engine pays for the same matches, not the same product.

Run by :mod:`bench.scale` as a phase after the single-client search latency, on the same
distinct queries; standalone against a work directory kept by ``python -m bench.scale
--keep`` it times Zhanqun's search phase too, so the two are in one run.
"""

import argparse
import multiprocessing
import os
import shutil
import sqlite3
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from bench.phases import memory, percentiles, tree_bytes

PAGE = 10
# Characters of a snippet: about what Zhanqun's highlight shows.
SNIPPET_TOKENS = 24
TITLE_WEIGHT = 3.0
SLOWEST = 10
SYSTEMS = ("zhanqun", "fts5", "tantivy")


def records(index_root: Path) -> Iterator[tuple[str, str, str]]:
    """``(key, title, body)`` of every record the live generation holds."""
    from indexer.engine.generations import Generations

    generations = Generations(index_root)
    index = generations.open(generations.current())
    try:
        with index.searcher() as searcher:
            for _docnum, stored in searcher.reader().iter_docs():
                yield stored["key"], stored.get("title", ""), stored.get("body", "")
    finally:
        index.close()


def segmenter_of(index_root: Path):
    """The segmenter searches of the live generation use (its dictionary added)."""
    from indexer.analysis import Segmenter
    from indexer.engine.generations import Generations

    generations = Generations(index_root)
    segmenter = Segmenter()
    segmenter.add_words(generations.read_dictionary(generations.current()))
    return segmenter


def tokens(segmenter, text: str) -> str:
    return " ".join(term for term, _pos, _start, _end in segmenter.index_tokens(text))


class Fts5:
    """An FTS5 table (key, title, body) of space-joined tokens, ``unicode61``: a run of
    Chinese characters between spaces is one token."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = sqlite3.connect(path)

    def create(self) -> None:
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(key UNINDEXED, title, body, tokenize='unicode61')"
        )

    def add(self, rows: list[tuple[str, str, str]]) -> None:
        self.db.executemany("INSERT INTO docs(key, title, body) VALUES (?, ?, ?)", rows)

    def finish(self) -> None:
        self.db.commit()
        # One b-tree per index, as after a merge: what a rebuilt index is searched as.
        self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")
        self.db.commit()

    def search(self, words: list[str]) -> tuple[int, list[tuple[str, str, str]]]:
        match = " AND ".join('"' + w.replace('"', '""') + '"' for w in words)
        total = self.db.execute("SELECT count(*) FROM docs WHERE docs MATCH ?", (match,))
        hits = self.db.execute(
            "SELECT key, highlight(docs, 1, '<mark>', '</mark>'), "
            f"snippet(docs, 2, '<mark>', '</mark>', '…', {SNIPPET_TOKENS}) "
            "FROM docs WHERE docs MATCH ? "
            f"ORDER BY bm25(docs, 0.0, {TITLE_WEIGHT}, 1.0) LIMIT {PAGE}",
            (match,),
        ).fetchall()
        return total.fetchone()[0], hits


class Tantivy:
    """A tantivy index (key, title, body) of space-joined tokens; its default tokenizer
    splits at spaces and punctuation, so a run of Chinese characters is one token."""

    def __init__(self, path: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("key", stored=True, tokenizer_name="raw")
        builder.add_text_field("title", stored=True)
        builder.add_text_field("body", stored=True)
        self.schema = builder.build()
        path.mkdir(parents=True, exist_ok=True)
        self.index = tantivy.Index(self.schema, path=str(path))
        self.writer = None

    def create(self) -> None:
        self.writer = self.index.writer(heap_size=256_000_000)

    def add(self, rows: list[tuple[str, str, str]]) -> None:
        document = self.tantivy.Document
        for key, title, body in rows:
            self.writer.add_document(document(key=key, title=title, body=body))

    def finish(self) -> None:
        self.writer.commit()
        self.writer.wait_merging_threads()
        self.writer = None
        self.index.reload()

    def search(self, words: list[str]) -> tuple[int, list[tuple[str, str, str]]]:
        t = self.tantivy
        Query, Occur = t.Query, t.Occur
        required = [
            (
                Occur.Must,
                Query.boolean_query(
                    [
                        (Occur.Should, Query.boost_query(self._term("title", w), TITLE_WEIGHT)),
                        (Occur.Should, self._term("body", w)),
                    ]
                ),
            )
            for w in words
        ]
        query = Query.boolean_query(required)
        searcher = self.index.searcher()
        found = searcher.search(query, limit=PAGE, count=True)
        titles = t.SnippetGenerator.create(searcher, query, self.schema, "title")
        bodies = t.SnippetGenerator.create(searcher, query, self.schema, "body")
        bodies.set_max_num_chars(SNIPPET_TOKENS * 4)
        hits = []
        for _score, address in found.hits:
            doc = searcher.doc(address)
            hits.append(
                (
                    doc["key"][0],
                    titles.snippet_from_doc(doc).to_html(),
                    bodies.snippet_from_doc(doc).to_html(),
                )
            )
        return found.count, hits

    def _term(self, fieldname: str, word: str):
        return self.tantivy.Query.term_query(self.schema, fieldname, word)


_worker_segmenter = None


def _start_worker(index_root: str) -> None:
    global _worker_segmenter
    _worker_segmenter = segmenter_of(Path(index_root))


def _tokenised(batch: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    segmenter = _worker_segmenter
    return [(key, tokens(segmenter, t), tokens(segmenter, b)) for key, t, b in batch]


def _batches(index_root: Path, size: int = 1_000) -> Iterator[list[tuple[str, str, str]]]:
    batch = []
    for record in records(index_root):
        batch.append(record)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def build_phase(index_root: str, work: str) -> dict:
    """Both peers over the live generation's records, tokenised once for both by one
    process per core while this one writes the peers."""
    root, out = Path(index_root), Path(work)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    fts5, tant = Fts5(out / "fts5.sqlite3"), Tantivy(out / "tantivy")
    seconds = {"fts5": 0.0, "tantivy": 0.0}
    count = 0
    fts5.create()
    tant.create()
    started = time.perf_counter()
    context = multiprocessing.get_context("spawn")
    workers = max(os.cpu_count() or 1, 1)
    with ProcessPoolExecutor(workers, context, _start_worker, (index_root,)) as pool:
        pending: deque = deque()
        batches = _batches(root)
        for batch in batches:
            pending.append(pool.submit(_tokenised, batch))
            if len(pending) > 2 * workers:
                count += _write(pending.popleft().result(), (fts5, tant), seconds)
        while pending:
            count += _write(pending.popleft().result(), (fts5, tant), seconds)
    for name, peer in (("fts5", fts5), ("tantivy", tant)):
        t = time.perf_counter()
        peer.finish()
        seconds[name] += time.perf_counter() - t
    seconds["wall"] = time.perf_counter() - started
    fts5.db.close()
    return {
        "records": count,
        "seconds": seconds,
        "bytes": {
            "fts5": (out / "fts5.sqlite3").stat().st_size,
            "tantivy": tree_bytes(out / "tantivy"),
        },
        **memory(),
    }


def _write(rows: list[tuple[str, str, str]], peers: tuple, seconds: dict) -> int:
    for name, peer in zip(("fts5", "tantivy"), peers, strict=True):
        t = time.perf_counter()
        peer.add(rows)
        seconds[name] += time.perf_counter() - t
    return len(rows)


def latency_phase(index_root: str, work: str, queries: list[str]) -> dict:
    """Each peer asked each query once, in turn (FTS5, then tantivy, query by query)."""
    root, out = Path(index_root), Path(work)
    segmenter = segmenter_of(root)
    peers = {"fts5": Fts5(out / "fts5.sqlite3"), "tantivy": Tantivy(out / "tantivy")}
    for peer in peers.values():  # open and warm up, not counted
        peer.search(["国务院"])
    rows = []
    for text in queries:
        words = [w.text for w in segmenter.query_words(text)]
        row: dict = {"query": text}
        for name, peer in peers.items():
            t = time.perf_counter()
            total, hits = peer.search(words)
            row[name] = {"ms": (time.perf_counter() - t) * 1000, "total": total, "hits": len(hits)}
        rows.append(row)
    return {
        "rows": rows,
        **{name: percentiles([r[name]["ms"] for r in rows]) for name in peers},
        **memory(),
    }


def compare(zhanqun_rows: list[dict], peer_rows: list[dict]) -> dict:
    """The three systems on the same queries: percentiles, ratios, the slowest of Zhanqun's."""
    by_query = {r["query"]: r for r in peer_rows}
    joined = [(z, by_query[z["text"]]) for z in zhanqun_rows if z["text"] in by_query]
    figures = {"zhanqun": percentiles([z["ms"] for z, _ in joined])}
    for name in SYSTEMS[1:]:
        figures[name] = percentiles([p[name]["ms"] for _, p in joined])
    ratios = {
        name: {k: figures["zhanqun"][k] / max(figures[name][k], 1e-9) for k in _KEYS}
        for name in SYSTEMS[1:]
    }
    slowest = sorted(joined, key=lambda pair: -pair[0]["ms"])[:SLOWEST]
    return {
        "count": len(joined),
        "figures": figures,
        "ratios": ratios,
        "same_total": {
            name: sum(1 for z, p in joined if z["total"] == p[name]["total"])
            for name in SYSTEMS[1:]
        },
        "slowest": [
            {
                "query": z["text"],
                "total": z["total"],
                "ms": z["ms"],
                **{f"{n}_ms": p[n]["ms"] for n in SYSTEMS[1:]},
                **{f"{n}_total": p[n]["total"] for n in SYSTEMS[1:]},
            }
            for z, p in slowest
        ],
    }


_KEYS = ("p50_ms", "p95_ms", "p99_ms", "max_ms")


TARGET_MAX_MS = 300.0


def peer_targets(r: dict) -> list[str]:
    """Issue 14's rows of the targets table: p95 no worse than FTS5's in the same run, and
    no distinct typical query over :data:`TARGET_MAX_MS`."""
    peers, search = r.get("peers"), r.get("search")
    if not isinstance(peers, dict) or "error" in peers or not search or "error" in search:
        return []
    c = compare(search["typical_rows"], peers["latency"]["rows"])
    z, f = c["figures"]["zhanqun"], c["figures"]["fts5"]
    slowest = c["slowest"][0] if c["slowest"] else None
    return [
        f"| search p95 ≤ SQLite FTS5's p95 on the same distinct queries, same run "
        f"| {z['p95_ms']:.1f} ms vs {f['p95_ms']:.1f} ms (tantivy "
        f"{c['figures']['tantivy']['p95_ms']:.1f} ms) | {_met(z['p95_ms'] <= f['p95_ms'])} |",
        f"| no distinct typical query over {TARGET_MAX_MS:.0f} ms | slowest "
        f"{z['max_ms']:.1f} ms"
        + (f" (`{slowest['query']}`)" if slowest else "")
        + f" | {_met(z['max_ms'] <= TARGET_MAX_MS)} |",
    ]


def _met(good: bool) -> str:
    return "**met**" if good else "**not met**"


def section(r: dict) -> list[str]:
    """The report's section on the peers (``r["peers"]`` and ``r["search"]``)."""
    peers, search = r.get("peers"), r.get("search")
    if not isinstance(peers, dict) or "error" in peers or not search or "error" in search:
        return []
    c = compare(search["typical_rows"], peers["latency"]["rows"])
    b = peers["build"]
    f, ratios = c["figures"], c["ratios"]
    names = {"zhanqun": "**Zhanqun**", "fts5": "SQLite FTS5", "tantivy": "tantivy"}
    if b.get("reused"):
        built = "The peers were built earlier in this work directory and reused."
    else:
        built = (
            f"Built in {b['seconds']['fts5']:.0f} s (FTS5, {b['bytes']['fts5'] / 2**20:,.0f} "
            f"MiB) and {b['seconds']['tantivy']:.0f} s (tantivy, "
            f"{b['bytes']['tantivy'] / 2**20:,.0f} MiB) of writing, "
            f"{b['seconds']['wall']:.0f} s in all with reading and tokenising "
            f"{b['records']:,} records."
        )
    out = [
        "## 4b. The same queries to SQLite FTS5 and tantivy",
        "",
        f"The {c['count']} distinct typical queries of section 4, in the same run, to two "
        "engines built over the same records (the live generation's stored titles and "
        "bodies, tokenised with its segmenter, space-joined; `bench/peers.py`): all words "
        "required, in the title (×3) or the body, top 10 by BM25 with a highlighted title "
        "and snippet, exact total. Zhanqun's figures are section 4's (facets, highlights, "
        "corrections and word widening on); the peers do none of those. " + built,
        "",
        "| system | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for name in SYSTEMS:
        p = f[name]
        out.append(
            f"| {names[name]} | {p['p50_ms']:.1f} | {p['p95_ms']:.1f} | {p['p99_ms']:.1f} "
            f"| {p['max_ms']:.1f} |"
        )
    for name in SYSTEMS[1:]:
        x = ratios[name]
        out.append(
            f"| Zhanqun / {names[name]} | {x['p50_ms']:.1f}× | {x['p95_ms']:.1f}× "
            f"| {x['p99_ms']:.1f}× | {x['max_ms']:.1f}× |"
        )
    out += [
        "",
        f"Same total as Zhanqun: FTS5 {c['same_total']['fts5']} of {c['count']}, tantivy "
        f"{c['same_total']['tantivy']} (Zhanqun also matches a word as the phrase of its "
        "leaves and widens single characters, so its totals may be larger).",
        "",
        f"The slowest {len(c['slowest'])} Zhanqun queries:",
        "",
        "| query | Zhanqun total | Zhanqun ms | FTS5 ms | tantivy ms | FTS5 total |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for s in c["slowest"]:
        out.append(
            f"| `{s['query']}` | {s['total']:,} | {s['ms']:.1f} | {s['fts5_ms']:.1f} "
            f"| {s['tantivy_ms']:.1f} | {s['fts5_total']:,} |"
        )
    return [*out, ""]


def peers_phase(data_dir: str, work: str, queries: list[str]) -> dict:
    """Build both peers, then time them on ``queries`` (each in a fresh process)."""
    from bench.phases import isolated

    index_root = str(Path(data_dir) / "index")
    build = isolated(build_phase, index_root, work)
    latency = isolated(latency_phase, index_root, work, queries)
    return {"build": build, "latency": latency}


def main(argv: list[str] | None = None) -> int:
    from bench.phases import isolated
    from bench.scale_phases import search_latency_phase
    from bench.scale_queries import generated

    parser = argparse.ArgumentParser(prog="python -m bench.peers", description=__doc__)
    parser.add_argument("workdir", type=Path, help="a work directory kept by bench.scale --keep")
    parser.add_argument("--typical", type=int, default=300, metavar="N")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rebuild", action="store_true", help="build the peers again")
    args = parser.parse_args(argv)
    data, peers_dir = args.workdir / "city" / "data", args.workdir / "peers"
    typical = generated(args.workdir / "subset.jsonl", args.typical, args.seed)
    search = isolated(search_latency_phase, str(data), 1, 1, typical)
    if args.rebuild or not (peers_dir / "fts5.sqlite3").exists():
        build = isolated(build_phase, str(data / "index"), str(peers_dir))
    else:
        build = {"reused": True}
    texts = [params["q"] for _, params in typical]
    latency = isolated(latency_phase, str(data / "index"), str(peers_dir), texts)
    print("\n".join(section({"search": search, "peers": {"build": build, "latency": latency}})))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
