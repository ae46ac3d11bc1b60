"""The Markdown report of a scale benchmark run (``bench/out/scale.md``)."""

from bench.peers import peer_targets
from bench.peers import section as peers_section
from bench.scale_queries import TYPICAL

TARGET_RATIO = 8.0
TARGET_FRESH_S = 10.0
TARGET_P95_MS = 50.0
TARGET_PUSH = 1_000.0
FLAT = 0.10  # a worker's RSS "stays flat" if it grows by at most 10 % over the load


def _n(value) -> str:
    return "n/a" if value is None else f"{value:,.0f}"


def _f(value, digits: int = 1) -> str:
    return "n/a" if value is None else f"{value:,.{digits}f}"


def _mib(value) -> str:
    return "n/a" if value is None else f"{value / 2**20:,.0f} MiB"


def _ok(good: bool | None) -> str:
    return "n/a" if good is None else ("**met**" if good else "**not met**")


def _rate(amount, seconds) -> float | None:
    return amount / seconds if amount is not None and seconds else None


def _phase(r: dict, name: str) -> dict | None:
    value = r.get(name)
    return value if isinstance(value, dict) and "error" not in value else None


def _failed(r: dict) -> list[str]:
    return [
        f"- **{k} failed**: {v['error']}"
        for k, v in r.items()
        if isinstance(v, dict) and "error" in v
    ]


def figures(r: dict) -> dict:
    """The headline numbers, computed once for the table and the sections."""
    load, idx, sub, naive = (_phase(r, k) for k in ("load", "rebuild", "subset_index", "naive"))
    f: dict = {}
    if idx:
        f["rebuild_dps"] = _rate(idx["docs"], idx["seconds"])
        f["rebuild_cps"] = _rate(idx["store_chars"], idx["seconds"])
    if naive:
        f["naive_dps"] = _rate(naive["docs"], naive["seconds"])
        f["naive_cps"] = _rate(naive["chars"], naive["seconds"])
        if load:
            f["naive_extrapolated_s"] = naive["seconds"] / naive["docs"] * load["records"]
    if sub:
        f["subset_dps"] = _rate(sub["docs"], sub["seconds"])
    if sub and naive:
        f["ratio_same_subset"] = f["subset_dps"] / f["naive_dps"]
    if idx and naive:
        f["ratio_full_vs_naive"] = f["rebuild_dps"] / f["naive_dps"]
        f["ratio_full_vs_naive_chars"] = f["rebuild_cps"] / f["naive_cps"]
    return f


def markdown(r: dict) -> str:
    f = figures(r)
    out = _header(r) + _targets(r, f) + _failed(r)
    out += _corpus(r) + _rebuild(r, f) + _incremental(r) + _search(r) + peers_section(r)
    out += _http(r) + _phases(r)
    return "\n".join(out) + "\n"


def _header(r: dict) -> list[str]:
    m, s = r["machine"], r["settings"]
    mem = m["memory_total_bytes"]
    machine = f"{m['cpu_model']}, {m['cpu_count']} CPUs ({m['cpus_usable']} usable)"
    if mem:
        machine += f", {mem / 2**30:.1f} GiB RAM"
    workdir = r.get("workdir", {})
    sources = {p["source"] for p in r.values() if isinstance(p, dict) and "source" in p}
    changed = sources - {r.get("source")}
    code = f"source digest `{r.get('source')}`" + (
        f" (**the code changed during the run**: some phases ran with "
        f"{', '.join(f'`{c}`' for c in sorted(changed))}; see the last table)"
        if changed
        else ", unchanged through the run"
    )
    return [
        "# Zhanqun reference-scale benchmark",
        "",
        f"- date: {m['date']}; commit: `{m['git_commit'] or 'unknown'}`; {code} (sha256 of "
        "indexer/, exchange/ and gunicorn.conf.py as the working tree held them)",
        f"- machine: {machine}; {m['platform']}",
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- command: `{r['command']}`; whole run {r.get('total_seconds', 0) / 60:.0f} min; "
        f"work directory on {workdir.get('fs')} (`{workdir.get('mount')}`)",
        f"- settings: {s['records']:,} records (seed {s['seed']}), naive subset "
        f"{s['naive_docs']:,}, {s['changes']:,} changes, {s['typical']:,} distinct typical "
        f"queries and {s['rounds']} rounds of the fixed mix single-client, {s['clients']} HTTP "
        f"clients × {s['seconds']:.0f} s × 2 on {s['workers']} gunicorn workers"
        + (" (**--quick smoke run**)" if s["quick"] else ""),
        "",
        "Other work on the machine shares its 2 CPUs with the benchmark when it runs at the "
        "same time: the load average before and after each phase is in the last table.",
        "",
    ]


def _targets(r: dict, f: dict) -> list[str]:
    load, inc, srch, http = (_phase(r, k) for k in ("load", "incremental", "search", "http"))
    rows = [
        "## Targets (DESIGN.md, issue 7)",
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
    ]
    if load:
        full = load["records"] >= 300_000
        ok = 1_000 <= load["mean_chars"] <= 1_500
        rows.append(
            f"| corpus: ~335,000 records of ~1,000–1,500 characters | {load['records']:,} "
            f"records, {load['mean_chars']:,.0f} characters on average (title + body) "
            f"| {_ok(ok) if full else 'smaller run'} |"
        )
    for key, what in (
        ("ratio_full_vs_naive", "full corpus vs the naive rate on the subset"),
        ("ratio_same_subset", "same subset, like for like"),
    ):
        if key in f:
            rows.append(
                f"| full rebuild ≥ {TARGET_RATIO:.0f}× the naive approach's docs/s ({what}) "
                f"| {f[key]:.2f}× | {_ok(f[key] >= TARGET_RATIO)} |"
            )
    if inc:
        s = inc["searchable_seconds"]
        shown = f"{s:.1f} s" if s is not None else f"not all in {inc['deadline_seconds']:.0f} s"
        rows.append(
            f"| {inc['wanted']:,} changes searchable ≤ {TARGET_FRESH_S:.0f} s after the indexer "
            f"starts | {shown} | {_ok(s is not None and s <= TARGET_FRESH_S)} |"
        )
    if srch:
        d, t = srch["distinct"], srch["typical_fixed"]
        rows.append(
            f"| search p95 < {TARGET_P95_MS:.0f} ms, typical 1–3 term queries with highlights "
            f"and facets, single client | p95 **{d['p95_ms']:.1f} ms** over {d['count']} "
            f"distinct queries (fixed mix's 1–3 term queries, first run: p95 {t['p95_ms']:.1f} "
            f"ms; whole fixed mix: p95 {srch['overall']['p95_ms']:.1f} ms) "
            f"| {_ok(d['p95_ms'] < TARGET_P95_MS)} |"
        )
        rows += peer_targets(r)
    if http:
        for key, what in (("load_distinct", "distinct queries"), ("load_mix", "the fixed mix")):
            ld = http[key]
            rows.append(
                f"| sustained load on gunicorn, no errors ({what}) "
                f"| {ld['requests_per_second']:.1f} requests/s, {ld['errors']} errors, p95 "
                f"{ld.get('p95_ms', 0):.0f} ms ({ld['clients']} clients, {ld['seconds']:.0f} s) "
                f"| {_ok(ld['errors'] == 0)} |"
            )
        push, pull = http["push"]["records_per_second"], http["pull"]["records_per_second"]
        rows.append(
            f"| push ≥ {TARGET_PUSH:,.0f} records/s on SQLite; pull at least as fast "
            f"| push {push:,.0f}/s, pull {pull:,.0f}/s "
            f"| {_ok(push >= TARGET_PUSH and pull >= push)} |"
        )
        growth = _growths(http)
        if growth:
            worst = max(growth)
            rows.append(
                "| a worker's memory stays flat under load (private memory, RssAnon, once warm) "
                f"| largest growth {worst:+.1%} | {_ok(worst <= FLAT)} (≤ {FLAT:.0%}) |"
            )
    return [*rows, ""]


MIN_WARM_SAMPLES = 20  # a worker judged for growth served at least this many seconds warm


def _growths(http: dict) -> list[float]:
    return [
        w["load_end_anon_bytes"] / w["warm_anon_bytes"] - 1
        for w in http["memory"]["workers"]
        if w.get("warm_anon_bytes") and w.get("warm_samples", 0) >= MIN_WARM_SAMPLES
    ]


def _corpus(r: dict) -> list[str]:
    load = _phase(r, "load")
    if not load:
        return []
    years = ", ".join(f"{y}: {n:,}" for y, n in load["years"].items())
    kinds = ", ".join(f"{k} {n:,}" for k, n in load["kinds"].items())
    tiers = ", ".join(f"{k} {n:,}" for k, n in load["tiers"].items())
    outcomes = ", ".join(f"{k} {n:,}" for k, n in load["outcomes"].items())
    pools = ", ".join(f"{k} {n:,}" for k, n in load["pool_sizes"].items())
    return [
        "## 1. The corpus and its load through the write path",
        "",
        f"{load['records']:,} records on {load['sites']} sites (by tier: {tiers}); kinds: "
        f"{kinds}; mean body {load['mean_body_chars']:,.0f} characters, mean title + body "
        f"{load['mean_chars']:,.0f}; by year: {years}. Built from the corpus' texts (pools: "
        f"{pools}) as `bench/scale_corpus.py` describes.",
        "",
        "| write path | batches | records/s | seconds | of which parse_item | apply_batch "
        "| store on disk | peak RSS |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        f"| `parse_item` + `apply_batch`, ≤ 1,000 a batch, one site a batch "
        f"| {load['batches']:,} | **{load['records_per_second']:,.0f}** | {load['seconds']:.1f} "
        f"| {load['parse_seconds']:.1f} | {load['apply_seconds']:.1f} "
        f"| {_mib(load['store_bytes'])} | {_mib(load['peak_rss_bytes'])} |",
        "",
        f"Outcomes: {outcomes} (*held*: a classification mark in the text; kept for review, "
        f"not indexed). Building the records took {load['synthesis_seconds']:.0f} s more, not "
        "timed. This is the push path without HTTP: what `zhanqun import` and "
        "`POST /v1/records` both call.",
        "",
    ]


INDEX_HEAD = [
    "| indexer | docs | chars | wall s | CPU s | docs/s | chars/s | peak RSS | index on disk |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
]


def _row(label: str, docs, chars, p: dict) -> str:
    s = p["seconds"]
    cpu = p["cpu_seconds"] + p.get("children_cpu_seconds", 0.0)
    peak = max(p.get("tree_peak_rss_bytes") or 0, p["peak_rss_bytes"])
    return (
        f"| {label} | {_n(docs)} | {_n(chars)} | {s:,.1f} | {cpu:,.1f} "
        f"| {_n(_rate(docs, s))} | {_n(_rate(chars, s))} | {_mib(peak)} "
        f"| {_mib(p['index_bytes'])} |"
    )


def _rebuild(r: dict, f: dict) -> list[str]:
    idx, sub, naive, load = (_phase(r, k) for k in ("rebuild", "subset_index", "naive", "load"))
    out = ["## 2. Full rebuild, and the naive baseline", ""]
    if idx or sub or naive:
        out += INDEX_HEAD
    if idx:
        out.append(_row("**project, full corpus**", idx["docs"], idx["store_chars"], idx))
    if sub:
        out.append(_row("project, subset", sub["docs"], sub["store_chars"], sub))
    if naive:
        label = "naive (Whoosh + jieba ChineseAnalyzer), subset"
        out.append(_row(label, naive["docs"], naive["chars"], naive))
    out.append("")
    if idx:
        out += [
            f"Full rebuild: `{idx['summary']}`: "
            "`indexer.engine.building.run(root, IndexFeed(store), "
            "full=True)` in a fresh process (start method "
            f"{idx.get('start_method', '?')}). CPU s is that process's and its children's "
            "(the indexer's writer processes); peak RSS is the largest sum of VmRSS over the "
            "process and its children, sampled every 0.5 s (the main process's own VmHWM: "
            f"{_mib(idx['peak_rss_bytes'])}; the largest child's: "
            f"{_mib(idx.get('children_peak_rss_bytes'))}).",
            "",
        ]
    if naive and load:
        out += [
            f"**The naive baseline was measured on a subset of {naive['docs']:,} of the same "
            f"synthetic records (every {load['records'] // max(naive['docs'], 1):,}th), not on "
            f"the full corpus**; at its per-document rate it would take "
            f"{f['naive_extrapolated_s'] / 60:,.0f} min for {load['records']:,} records (an "
            "extrapolation: Whoosh slows as an index grows, so it flatters the baseline). Its "
            f"dictionary load ({naive['jieba_init_seconds']:.1f} s) is outside its time; the "
            "project's time includes reading the store. The project's indexer was run on a "
            "store holding exactly the subset for the like-for-like ratio.",
            "",
        ]
    if "ratio_full_vs_naive" in f:
        out.append(
            f"- **Full corpus vs naive on the subset (extrapolated): "
            f"{f['ratio_full_vs_naive']:.2f}× docs/s** ({f['ratio_full_vs_naive_chars']:.2f}× "
            "chars/s; the subset has the corpus' mix, so docs/s compare)."
        )
    if "ratio_same_subset" in f:
        out.append(f"- **Same subset, like for like: {f['ratio_same_subset']:.2f}× docs/s.**")
    return [*out, ""]


def _incremental(r: dict) -> list[str]:
    inc = _phase(r, "incremental")
    if not inc:
        return []
    peak = max(inc.get("indexer_tree_peak_rss_bytes") or 0, inc["indexer_peak_rss_bytes"])
    return [
        "## 3. Incremental: changes searchable",
        "",
        f"{inc['changes']:,} live records drawn at random were updated through `apply_batch` "
        f"(their titles gained the word `{inc['marker']}`; outcomes {inc['write_outcomes']}, "
        f"{inc['write_seconds']:.1f} s) while a reader (`IndexReader` with the service's "
        "default refresh of 1 s) was open on the full index and had served a search. Then "
        f"`{inc['command']}` started, and the open reader searched for the word every 50 ms.",
        "",
        "| all searchable | first found | indexer process exited | its peak RSS |",
        "| ---: | ---: | ---: | ---: |",
        f"| **{_f(inc['searchable_seconds'])} s** | {_f(inc['first_seen_seconds'])} s "
        f"| {_f(inc['indexer_seconds'])} s (exit {inc['indexer_exit']}) | {_mib(peak)} |",
        "",
        f"Times are from the indexer's start. `{inc['indexer_summary']}`; found "
        f"{inc['found']:,} of {inc['wanted']:,}.",
        "",
    ]


def _pct(p: dict) -> str:
    return f"{p['p50_ms']:.1f} | {p['p95_ms']:.1f} | {p['p99_ms']:.1f} | {p['max_ms']:.1f}"


def _search(r: dict) -> list[str]:
    s = _phase(r, "search")
    if not s:
        return []
    d, n = s["distinct"], len(s["per_query"])
    queries = r.get("queries", {})
    out = [
        "## 4. Search latency, single client (in-process `search`)",
        "",
        "One process, one open `IndexReader`, requests parsed by the service's own "
        "`search_request` and run by `indexer.engine.searching.search`: page 1 of 10 with "
        "highlighted "
        "titles and snippets and facet counts (tier, site, doc type, year), as the API gets "
        f"them. Opening the index (a first search, not counted): {s['opening_search_ms']:.0f} "
        f"ms. Peak RSS {_mib(s['peak_rss_bytes'])}.",
        "",
        "The index's reader keeps a cache of recent results, so a repeated request measures "
        "the cache. The figures below therefore count **each request the first time it is "
        "made**, and repeats apart:",
        "",
        f"- **typical queries, all distinct**: {d['count']} queries of 1–3 words taken from "
        "the titles of the benchmark's records (`scale_queries.generated`; e.g. "
        + ", ".join(f"`{q}`" for q in queries.get("examples", [])[:6])
        + f"); {d['zero_results']} found nothing; "
        f"{d['highlighted_share']:.0%} of the hits shown had a highlight;",
        f"- **the fixed mix** (`scale_queries.MIX`, {n} requests of 15 kinds), once;",
        "- the fixed mix repeated "
        + (f"{s['rounds'] - 1} more times." if s["repeats"] else "(not run)."),
        "",
        "| queries | kind | searches | p50 ms | p95 ms | p99 ms | max ms |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, p in sorted(d["by_kind"].items()):
        out.append(f"| typical, distinct | {kind} | {p['count']} | {_pct(p)} |")
    out.append(f"| **typical, distinct** | **all** | **{d['count']}** | **{_pct(d)}** |")
    for kind, p in s["by_kind"].items():
        out.append(f"| fixed mix, first run | {kind} | {p['count']} | {_pct(p)} |")
    typical_count = sum(1 for row in s["first"] if row["kind"] in TYPICAL)
    out.append(
        f"| fixed mix, first run | 1–3 terms ({', '.join(TYPICAL)}) | {typical_count} "
        f"| {_pct(s['typical_fixed'])} |"
    )
    out.append(f"| **fixed mix, first run** | **all** | **{n}** | **{_pct(s['overall'])}** |")
    if s["repeats"]:
        rp = s["repeats"]
        out.append(f"| fixed mix, repeated | all | {rp['count']} | {_pct(rp)} |")
    out += [
        "",
        "| kind | query | total | highlighted hits | facet values | correction | first ms "
        "| repeated, median ms |",
        "| --- | --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for q in s["per_query"]:
        out.append(
            f"| {q['kind']} | `{q['query']}` | {q['total']:,} | {q['highlighted']}/{q['hits']} "
            f"| {q['facet_values']} | {q['correction'] or ''} | {q['first_ms']:.1f} "
            f"| {_f(q['repeat_median_ms'], 2)} |"
        )
    g = s["suggest"]
    examples = "; ".join(
        f"{k} → {'、'.join(v[:3]) or '—'}" for k, v in list(g["examples"].items())[:8]
    )
    out += [
        "",
        f"**Suggest** (`indexer.suggesting.suggest`, {g['count']} calls over "
        f"{len(g['examples'])} prefixes): p50 {g['p50_ms']:.2f} ms, p95 {g['p95_ms']:.2f} ms, "
        f"p99 {g['p99_ms']:.2f} ms. Examples: {examples}.",
        "",
    ]
    return out


def _http(r: dict) -> list[str]:
    h = _phase(r, "http")
    if not h:
        return []
    out = [
        "## 5. Over HTTP on a real gunicorn (`zhanqun serve`)",
        "",
        f"`python -m exchange.cli serve` with ZHANQUN_WORKERS={h['workers']} (gthread, "
        f"`gunicorn.conf.py`) on the reference data dir, up in {h['start_seconds']:.1f} s. "
        "Clients are threads of the benchmark process, on the same 2 CPUs as the server, each "
        "with a keep-alive `http.client` connection, sending `GET /v1/search` (which adds "
        "related searches and the search log to §4's work). First (not timed) "
        f"{h['warmup']['clients']} clients sent the fixed mix once, so that every worker has "
        "opened the index. Then: one client over distinct typical queries; the clients over "
        "distinct typical queries (none repeated: every search is computed); the clients "
        "over the fixed mix, repeated (hot queries: mostly answered from the workers' result "
        "caches). An error is any answer but 200, or any exception.",
        "",
        "| run | clients | seconds | requests | errors | requests/s | p50 ms | p95 ms "
        "| p99 ms | max ms |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, key in (
        ("single client, distinct typical queries", "single_client"),
        ("**under load, distinct typical queries**", "load_distinct"),
        ("under load, the fixed mix repeated", "load_mix"),
    ):
        x = h[key]
        pct = _pct(x) if "p50_ms" in x else "n/a | n/a | n/a | n/a"
        out.append(
            f"| {name} | {x['clients']} | {x['seconds']:.1f} | {x['requests']:,} "
            f"| {x['errors']} | {x['requests_per_second']:.1f} | {pct} |"
        )
    for key in ("single_client", "load_distinct", "load_mix"):
        if h[key]["error_kinds"]:
            failed = "; ".join(f"`{f}`" for f in h[key].get("failed_requests", []))
            out += [
                "",
                f"Errors ({key}): {h[key]['error_kinds']}. "
                + (f"Requests that failed: {failed}." if failed else ""),
            ]
    if h.get("server_log_errors"):
        out += ["", "Errors in the server's log:", "", "```", *h["server_log_errors"], "```"]
    if h["load_distinct"]["repeated_requests"]:
        out += [
            "",
            f"{h['load_distinct']['repeated_requests']:,} requests of the distinct run "
            "repeated an earlier one (the pool ran out).",
        ]
    out += [
        "",
        "| worker pid | RSS at load start | at load end | max during load "
        "| VmHWM (whole life) | private (RssAnon) once warm | at load end | growth "
        "| samples |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for w in h["memory"]["workers"]:
        warm = w.get("warm_anon_bytes")
        growth = f"{w['load_end_anon_bytes'] / warm - 1:+.1%}" if warm else "—"
        if w.get("warm_samples", 0) < MIN_WARM_SAMPLES:
            growth += " (too short-lived to judge)"
        out.append(
            f"| {w['pid']} | {_mib(w['load_start_rss_bytes'])} "
            f"| {_mib(w['load_end_rss_bytes'])} | {_mib(w['load_max_rss_bytes'])} "
            f"| {_mib(w['peak_rss_bytes'])} | {_mib(warm)} "
            f"| {_mib(w.get('load_end_anon_bytes'))} | {growth} | {w['samples']} |"
        )
    p, q = h["push"], h["pull"]
    out += [
        "",
        "RSS and RssAnon sampled from `/proc/PID/status` every second over both loads. RSS also "
        "counts the pages of the memory-mapped index a worker has read — the kernel's page "
        "cache, shared by the workers and reclaimable — so it grows as searches reach more of "
        "the index; private memory (RssAnon) is where a leak would show. gunicorn recycles a "
        "worker after about 20,000 requests; a new worker starts cold. Workers present "
        f"after the load: {h['memory']['workers_after']}.",
        "",
        "**Push and pull** (bench/exchange.py's `push_phase` and `pull_phase`, against the same "
        f"server and the reference store): push of {p['records']:,} new records of "
        f"{p['body_chars']:,} characters, {p['pushers']} sites pushing batches of "
        f"{p['batch']:,} at once: **{p['records_per_second']:,.0f} records/s**; pull of the "
        f"whole feed ({q['records']:,} changes, pages of {q['page']:,}) by a cluster key: "
        f"**{q['records_per_second']:,.0f} records/s**.",
        "",
    ]
    return out


PHASES = (
    "load",
    "rebuild",
    "naive",
    "subset_load",
    "subset_index",
    "incremental",
    "search",
    "http",
)


def _phases(r: dict) -> list[str]:
    out = [
        "## Phases",
        "",
        "| phase | wall s | load average before → after | source digest |",
        "| --- | ---: | --- | --- |",
    ]
    for name in PHASES:
        p = r.get(name)
        if isinstance(p, dict) and "phase_wall_seconds" in p:
            before, after = p.get("loadavg_before_after", (None, None))
            state = " (failed)" if "error" in p else ""
            out.append(
                f"| {name}{state} | {p['phase_wall_seconds']:,.1f} | {before} → {after} "
                f"| `{p.get('source', '?')}` |"
            )
    return [*out, ""]
