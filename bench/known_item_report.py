"""Figures and the Markdown report of the known-item evaluation (``bench/known_item_eval.py``).

Success@10: the target (or a document with its exact title) in the top 10. MRR@10: the mean
of 1/rank of the first such hit (0 when none is in the top 10). Zero results: the search found
nothing at all. Rewritten: the product searched a correction instead of what was typed
(``correction.applied``); for a plain query, which is a title's own words, that is a *false
correction*. Suggested: a correction only proposed (您是不是要找), the typed query searched.
"""

from collections import Counter

from bench.known_items import FORMS, MAX_HOLDING, SEEDS

SYSTEMS = ("rebuild", "user", "naive")
FILES = ("gov_web.jsonl", "xwlb.jsonl", "laws.jsonl")
FAILURES_SHOWN = 20
# (label, form, figure, at least / at most, threshold); "plain ≥ naive" is checked apart.
TARGETS = (
    ("plain: success@10 ≥ 95 % and never below naive", "plain", "success", ">=", 0.95),
    ("typo (one homophone): success@10 ≥ 85 %", "typo", "success", ">=", 0.85),
    ("traditional: success@10 ≥ 95 %", "traditional", "success", ">=", 0.95),
    ("full pinyin, words spaced: success@10 ≥ 80 %", "pinyin", "success", ">=", 0.80),
    ("full pinyin, run together: success@10 ≥ 80 %", "pinyin_joined", "success", ">=", 0.80),
    ("initials: success@10 ≥ 50 %", "initials", "success", ">=", 0.50),
    ("false corrections ≤ 1 % of plain queries", "plain", "rewritten", "<=", 0.01),
    ("zero-result plain queries ≤ 1 %", "plain", "zero", "<=", 0.01),
)
FORM_LABELS = {
    "plain": "plain (words run together)",
    "typo": "typo (one homophone)",
    "traditional": "traditional",
    "pinyin": "full pinyin, words spaced",
    "pinyin_joined": "full pinyin, run together",
    "initials": "initials",
}


def _scores(rows: list[dict], system: str) -> dict:
    ranks = [r[system]["rank"] for r in rows]
    n = len(rows) or 1
    return {
        "success": sum(r is not None for r in ranks) / n,
        "mrr": sum(1 / r for r in ranks if r) / n,
        "zero": sum(r[system]["total"] == 0 for r in rows) / n,
    }


def _applied(result: dict) -> bool | None:
    fix = result.get("correction")
    return None if not fix else fix["applied"]


def metrics(rows: list[dict], flows: dict) -> dict:
    """Per flow and form: the product's figures and the naive index's on the same queries
    (those whose target the flow indexed)."""
    out: dict = {}
    for flow, record in flows.items():
        if not rows or flow not in rows[0]:  # a flow that failed has no results
            continue
        missing = set(record.get("not_indexed_targets", ()))
        out[flow] = {}
        for form in FORMS:
            group = [r for r in rows if r["form"] == form and r["target"] not in missing]
            if not group:
                continue
            n = len(group)
            mine = _scores(group, flow)
            mine["rewritten"] = sum(_applied(r[flow]) is True for r in group) / n
            mine["suggested"] = sum(_applied(r[flow]) is False for r in group) / n
            mine["errors"] = sum(bool(r[flow].get("error")) for r in group)
            found = [(r[flow]["rank"] is not None, r["naive"]["rank"] is not None) for r in group]
            naive_only = sum(theirs and not ours for ours, theirs in found)
            out[flow][form] = {
                "n": n,
                "zhanqun": mine,
                "naive": _scores(group, "naive"),
                "naive_only": naive_only,
                "zhanqun_only": sum(ours and not theirs for ours, theirs in found),
                "by_file": {
                    f: {
                        "n": len(part),
                        "zhanqun": _scores(part, flow)["success"],
                        "naive": _scores(part, "naive")["success"],
                    }
                    for f in FILES
                    if (part := [r for r in group if r["file"] == f])
                },
            }
    return out


def verdicts(m: dict) -> list[tuple[str, dict[str, tuple[str, bool]]]]:
    """Each target's measured value per flow, and whether it is met."""
    rows = []
    for label, form, figure, how, threshold in TARGETS:
        cells = {}
        for flow, forms in m.items():
            if form not in forms:
                continue
            g = forms[form]
            value = g["zhanqun"][figure]
            met = value >= threshold if how == ">=" else value <= threshold
            text = _pct(value)
            if form == "plain" and figure == "success":
                naive = g["naive"]["success"]
                met = met and value >= naive
                text += f" (naive {_pct(naive)}; naive found {g['naive_only']} it missed)"
            cells[flow] = (text, met)
        rows.append((label, cells))
    return rows


def _pct(x: float) -> str:
    return f"{x:.0%}" if x in (0, 1) else f"{x:.1%}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(r: dict) -> str:
    m, s, g = r["machine"], r["set"], r["git"]
    flows = [f for f in r["flows"] if f in r["metrics"]]
    scope = "full corpus" if r["limit"] is None else f"first {r['limit']:,} lines of each file"
    changed = (
        f"with uncommitted changes to {len(g['product_changes'])} files of indexer/ and exchange/"
        if g["product_changes"]
        else "no uncommitted changes to indexer/ or exchange/"
    )
    digests = "; ".join(
        f"{flow}: `{rec['source_digest']}`"
        + ("" if rec["source_digest_end"] == rec["source_digest"] else " (changed during it)")
        for flow, rec in r["flows"].items()
    )
    lines = [
        f"# Known-item relevance: {r['split']} split",
        "",
        f"- {m['date']}; commit `{g['commit']}`, {changed}; code digest per flow {digests} "
        "(sha256 of indexer/ and exchange/ as the build began)",
        f"- Python {m['python']}; {m['platform']}; {m['cpus']} CPUs; "
        + ", ".join(f"{k} {v}" for k, v in m["packages"].items()),
        f"- corpus `{r['corpus']}` ({scope}): {r['docs']:,} documents; split `{r['split']}`, "
        f"seed {r['seed']}; {s['targets']:,} targets ({r['targets_wanted']:,} wanted), "
        f"{s['queries']:,} queries; command `{r['command']}`; whole run {r['total_seconds']:.0f} s",
        "",
        "Each target is a corpus document; its query is 2–4 of its title's words run together, "
        f"4–8 characters, held together by at most {MAX_HOLDING} documents; the six forms are "
        "that query as typed, with one homophone, in traditional characters, in full pinyin "
        "(words spaced, then run together) and as initials (`bench/known_items.py`). Relevant: "
        "the target and any document with its exact title. Zhanqun: `search(reader, "
        "SearchRequest(text=q, page_size=10, facets=False))`, corrections on, in a fresh "
        "process right after each flow's build. Naive: Whoosh + jieba `ChineseAnalyzer`, "
        "`MultifieldParser(['title', 'body'])`, over the same corpus documents. "
        "Rewritten: Zhanqun searched a correction instead of the query (for plain queries, a "
        "false correction); suggested: it only proposed one.",
        "",
        "## Targets (issue 13)",
        "",
        "| target | " + " | ".join(flows) + " |",
        "| --- | " + " | ".join("---" for _ in flows) + " |",
    ]
    for label, cells in verdicts(r["metrics"]):
        shown = [
            f"{'**met**' if cells[f][1] else '**not met**'}: {cells[f][0]}" if f in cells else "—"
            for f in flows
        ]
        lines.append(f"| {label} | " + " | ".join(shown) + " |")
    for flow in flows:
        lines += _flow_table(flow, r["metrics"][flow], r["flows"][flow])
    lines += _by_file(r["metrics"], flows)
    lines += _set_section(s, r)
    lines += _builds(r)
    if r["split"] == "dev" and r.get("queries"):
        for k, flow in enumerate(flows):
            lines += _failures(flow, r["queries"], r["flows"][flow], flows[0] if k else None)
    else:
        lines += [
            "",
            "## Failures",
            "",
            "Not listed for the test split, so that nobody tunes on it: run `--split dev`.",
        ]
    return "\n".join(lines) + "\n"


def _flow_table(flow: str, forms: dict, record: dict) -> list[str]:
    missing = record.get("not_indexed_targets", [])
    lines = [
        "",
        f"## Flow `{flow}`: Zhanqun against naive",
        "",
        "| form | n | success@10 | naive | MRR@10 | naive | zero results | naive "
        "| rewritten | suggested | naive found, Zhanqun not | Zhanqun found, naive not |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for form, g in forms.items():
        z, n = g["zhanqun"], g["naive"]
        lines.append(
            f"| {FORM_LABELS[form]} | {g['n']:,} | {_pct(z['success'])} | {_pct(n['success'])} "
            f"| {z['mrr']:.3f} | {n['mrr']:.3f} | {_pct(z['zero'])} | {_pct(n['zero'])} "
            f"| {_pct(z['rewritten'])} | {_pct(z['suggested'])} | {g['naive_only']} "
            f"| {g['zhanqun_only']} |"
        )
    errors = sum(g["zhanqun"]["errors"] for g in forms.values())
    lines += [
        "",
        f"{len(missing)} targets are not in this flow's index (held for review) and are left "
        f"out: {missing[:8] or 'none'}. Zhanqun raised an error on {errors} queries (counted as "
        "no result).",
    ]
    return lines


def _by_file(m: dict, flows: list[str]) -> list[str]:
    head = " | ".join(f"{flow} {f.split('.')[0]}" for flow in flows for f in FILES)
    lines = [
        "",
        "## Success@10 by corpus file (Zhanqun / naive)",
        "",
        f"| form | {head} |",
        "| --- | " + " | ".join("---:" for _ in flows for _ in FILES) + " |",
    ]
    for form in FORMS:
        cells = []
        for flow in flows:
            by_file = m[flow].get(form, {}).get("by_file", {})
            for f in FILES:
                c = by_file.get(f)
                cells.append(f"{_pct(c['zhanqun'])} / {_pct(c['naive'])}" if c else "—")
        lines.append(f"| {FORM_LABELS[form]} | " + " | ".join(cells) + " |")
    return lines


def _set_section(s: dict, r: dict) -> list[str]:
    skipped = ", ".join(f"{why}: {n}" for why, n in Counter(s["skipped"]).most_common())
    return [
        "",
        "## The known-item set",
        "",
        f"Split `{r['split']}` (seed {r['seed']}; the splits' seeds are {SEEDS}; each document "
        "belongs to one split for good, by a digest of its id). Targets per file: "
        + ", ".join(f"{f} {n}" for f, n in s["by_file"].items())
        + "; queries per form: "
        + ", ".join(f"{f} {n}" for f, n in s["by_form"].items())
        + f". Words per query: {s['words']}; characters: {s['characters']}; documents holding "
        f"every word: {s['holding']}. Documents drawn but not used: {skipped or 'none'}. "
        f"Made in {s['seconds']:.1f} s.",
    ]


def _builds(r: dict) -> list[str]:
    lines = [
        "",
        "## Builds and search time",
        "",
        "| flow | step | seconds | outcome |",
        "| --- | --- | ---: | --- |",
    ]
    for flow, record in r["flows"].items():
        for step in record.get("steps", []):
            outcome = _cell(step["outcome"])
            lines.append(f"| {flow} | {step['step']} | {step['seconds']:.1f} | {outcome} |")
    naive = r["naive"]
    lines.append(
        f"| naive | Whoosh + jieba, {naive['docs']:,} documents | {naive['seconds']:.1f} | |"
    )
    lines += [
        "",
        "| system | queries | p50 ms | p95 ms | mean ms |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for system, lat in [(f, rec["latency"]) for f, rec in r["flows"].items()] + [
        ("naive", naive["latency"])
    ]:
        lines.append(
            f"| {system} | {lat['count']:,} | {lat['p50_ms']:.1f} | {lat['p95_ms']:.1f} "
            f"| {lat['mean_ms']:.1f} |"
        )
    return lines


def _failures(flow: str, rows: list[dict], record: dict, first: str | None) -> list[str]:
    """Up to 20 misses per form, and the plain queries rewritten; after the first flow, only
    those that are not also misses (or rewritten) in the first flow."""
    missing = set(record.get("not_indexed_targets", ()))
    rows = [r for r in rows if r["target"] not in missing]
    header = [
        "| form | query | made from | target title | Zhanqun's first hit | correction | naive |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    which = "" if first is None else f", only those that are not misses in `{first}` too"
    lines = [
        "",
        f"## Failures in flow `{flow}` (dev split; up to {FAILURES_SHOWN} per form, in set "
        f"order{which})",
        "",
        *header,
    ]
    for form in FORMS:
        failed = [r for r in rows if r["form"] == form and r[flow]["rank"] is None]
        if first is not None:
            failed = [r for r in failed if r[first]["rank"] is not None]
        lines += [_failure_row(q, flow) for q in failed[:FAILURES_SHOWN]]
    rewritten = [r for r in rows if r["form"] == "plain" and _applied(r[flow]) is True]
    shown = rewritten
    if first is not None:
        shown = [r for r in rewritten if _applied(r[first]) is not True]
    lines += [
        "",
        f"False corrections in flow `{flow}`: {len(rewritten)} plain queries rewritten; up to "
        f"{FAILURES_SHOWN} shown, found or not{which.replace('misses', 'rewritten')}.",
        "",
        *header,
        *(_failure_row(q, flow) for q in shown[:FAILURES_SHOWN]),
    ]
    return lines


def _failure_row(q: dict, flow: str) -> str:
    result = q[flow]
    first = result["top"][0][1][:36] if result["top"] else "(nothing)"
    if result.get("error"):
        first = f"error: {result['error'][:60]}"
    if result["rank"]:
        first = f"found at {result['rank']}"
    fix = result.get("correction")
    correction = ""
    if fix:
        correction = (
            "→ " if fix["applied"] else "suggested "
        ) + f"`{fix['query']}` ({fix['kind']})"
    naive = str(q["naive"]["rank"]) if q["naive"]["rank"] else "—"
    cells = [
        FORM_LABELS[q["form"]],
        f"`{q['text']}`",
        q["note"],
        q["title"][:40],
        first,
        correction,
        naive,
    ]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"
