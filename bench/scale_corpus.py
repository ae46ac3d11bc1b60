"""The synthetic reference-scale corpus, built from the real texts of ``../shared/corpus``, and
its load into a fresh store through the project's write path.

Every record is real text re-published by a site of the reference cluster
(:mod:`bench.scale_cluster`): a *news* item starts from a 新闻联播 item or a gov.cn page, a
*notice* from a government-website notice page, a *policy* from a law, regulation or State
Council document. Because the cluster holds many more records than the corpus has texts, texts
recur, each time with another id, site, column and date, and with a body of another length:
a body is cut at a paragraph (or sentence) boundary once it reaches a target length drawn for
the record, and short news items are followed by the next items of the same pool until it
does (a roundup), so that bodies average about 1,000–1,500 characters as at the reference
site. A quarter of news titles name their site (``腾冲市：…``), as local portals do.

Dates span eight years up to :data:`END`; the density grows linearly, so the latest year has
the most records. Everything is drawn from ``random.Random(f"{seed}-{site}")``: the same seed
and record count give the same corpus.
"""

import math
import random
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import orjson

from bench.phases import memory
from bench.scale_cluster import COLUMNS, KIND_MIX, KINDS, SUBJECTS, ClusterSite, cluster
from bench.scale_cluster import site_counts as counts_of

END = datetime(2026, 6, 30, 18, 0)
SPAN = timedelta(days=8 * 365 + 2)
BATCH = 1_000  # records a write (the push API's maximum)
MAX_PARTS = 6  # source texts a body is made of, at most
# Target body lengths: log-normal, by kind (median, sigma, floor, ceiling).
TARGETS = {
    "news": (880, 0.55, 200, 6_000),
    "notice": (700, 0.6, 150, 5_000),
    "policy": (1_700, 0.65, 400, 12_000),
}
TITLE_PREFIX = 0.25  # share of news titles that name their site
NOTICE_WORDS = ("通知", "公告", "公示", "通报", "公报", "名单", "启事")


@dataclass(frozen=True)
class Text:
    title: str
    paragraphs: tuple[str, ...]


@dataclass
class Pools:
    news: list[Text]
    notice: list[Text]
    policy: list[Text]
    read_seconds: float = 0.0

    def of(self, kind: str) -> list[Text]:
        return getattr(self, kind)


def read_pools(corpus_dir: Path) -> Pools:
    """The corpus' texts, sorted into the pools each kind of record draws from."""
    started = time.perf_counter()
    pools = Pools([], [], [])
    for name in ("gov_web.jsonl", "xwlb.jsonl", "laws.jsonl"):
        with open(corpus_dir / name, "rb") as handle:
            for line in handle:
                if not line.strip():
                    continue
                raw = orjson.loads(line)
                title, body, ident = raw.get("title"), raw.get("body"), str(raw.get("id", ""))
                if not title or not body:
                    continue
                paragraphs = tuple(p.strip() for p in body.split("\n") if p.strip())
                text = Text(title.strip(), paragraphs)
                if name == "laws.jsonl" or ident.startswith("govpolicy"):
                    pools.policy.append(text)
                elif ident.startswith("govpages-beijing") or any(w in title for w in NOTICE_WORDS):
                    pools.notice.append(text)
                else:
                    pools.news.append(text)
    pools.read_seconds = time.perf_counter() - started
    return pools


def _cut(paragraph: str, room: int) -> str:
    """At most ``room`` characters of a paragraph, ending at a sentence end when one is near."""
    if len(paragraph) <= room:
        return paragraph
    end = paragraph.rfind("。", 0, room)
    return paragraph[: end + 1] if end >= room // 2 else paragraph[:room]


def body_of(pool: list[Text], base: int, target: int) -> str:
    """Paragraphs of ``pool[base]`` and the texts after it until about ``target`` characters."""
    parts: list[str] = []
    size = 0
    for step in range(MAX_PARTS):
        for paragraph in pool[(base + step) % len(pool)].paragraphs:
            if size >= target:
                break
            room = max(target - size, 0) + target // 4
            piece = _cut(paragraph, room) if size else _cut(paragraph, max(room, 80))
            parts.append(piece)
            size += len(piece) + 1
        if size >= target:
            break
    return "\n".join(parts)


def _target(rng: random.Random, kind: str) -> int:
    median, sigma, low, high = TARGETS[kind]
    return int(min(max(rng.lognormvariate(math.log(median), sigma), low), high))


def _org_code(code: str) -> str:
    return f"{zlib.crc32(code.encode()) % 10**9:09d}"


def _doc_no(site: ClusterSite, year: int, number: int) -> str:
    prefix = {"city": "保政发", "county": site.short[0] + "政发", "township": site.short[:2] + "发"}
    return f"{prefix.get(site.tier, '保' + site.short[1:3] + '发')}〔{year}〕{number}号"


def site_records(site: ClusterSite, count: int, first: int, pools: Pools, seed: int):
    """The ``count`` records of one site in publication order; local ids number from ``first``
    (ids are unique across the cluster, ``t20240312_123456`` as a TRS-style CMS makes them)."""
    rng = random.Random(f"{seed}-{site.code}")
    weights = KIND_MIX[site.tier]
    columns = COLUMNS[site.tier]
    planned = []
    for _ in range(count):
        kind = rng.choices(KINDS, weights)[0]
        day = (END - SPAN * (1 - math.sqrt(rng.random()))).date()
        when = datetime(day.year, day.month, day.day, 8) + timedelta(minutes=rng.randrange(600))
        planned.append(
            (
                when,
                kind,
                rng.choice(columns[kind.name]),
                rng.randrange(len(pools.of(kind.name))),
                _target(rng, kind.name),
                rng.random() < TITLE_PREFIX,
                rng.randint(0, 9),
            )
        )
    planned.sort(key=lambda p: p[0])
    numbers: Counter[int] = Counter()
    for offset, (when, kind, column, base, target, prefixed, lag) in enumerate(planned):
        n = first + offset
        pool = pools.of(kind.name)
        source = pool[base]
        title = source.title
        if kind.name == "news" and prefixed:
            title = f"{site.short}：{title}"
        local_id = f"t{when:%Y%m%d}_{n}"
        column_no = COLUMNS[site.tier][kind.name].index(column) + 1
        item = {
            "id": local_id,
            "title": title[:500],
            "body": body_of(pool, base, target),
            "url": f"https://{site.host}/{kind.name}{column_no}/{when:%Y%m}/{local_id}.html",
            "column": column,
            "doc_type": kind.doc_type,
            "published": when.isoformat(),
        }
        if kind.name != "news":
            numbers[when.year] += 1
            item["index_no"] = f"{_org_code(site.code)}/{when.year}-{numbers[when.year]:05d}"
            item["issuer"] = site.name
            item["subject"] = SUBJECTS[base % len(SUBJECTS)]
        if kind.name == "policy":
            item["doc_no"] = _doc_no(site, when.year, numbers[when.year])
            item["written"] = (when - timedelta(days=lag)).date().isoformat()
        yield kind.name, item


def records(total: int, pools: Pools, seed: int) -> Iterator[tuple[ClusterSite, str, dict]]:
    """Every record of the cluster, site by site (each site's in publication order)."""
    first = 1
    sites = cluster()
    for site, count in zip(sites, counts_of(sites, total), strict=True):
        for kind, item in site_records(site, count, first, pools, seed):
            yield site, kind, item
        first += count


def register_cluster(store) -> None:
    from exchange.store.sites import register_site

    for s in cluster():
        register_site(store, s.code, s.name, s.tier, parent=s.parent, base_url=f"https://{s.host}")


class _Writer:
    """Batches of one site through ``parse_item`` and ``apply_batch``, timed apart."""

    def __init__(self, store) -> None:
        self.store = store
        self.parse_seconds = 0.0
        self.apply_seconds = 0.0
        self.batches = 0
        self.outcomes: Counter[str] = Counter()

    def write(self, site: str, raws: list[dict]) -> None:
        from exchange.batches import apply_batch
        from exchange.record_input import parse_item

        if not raws:
            return
        t0 = time.perf_counter()
        items = [parse_item(raw) for raw in raws]
        t1 = time.perf_counter()
        results = apply_batch(self.store, site, items)
        self.apply_seconds += time.perf_counter() - t1
        self.parse_seconds += t1 - t0
        self.batches += 1
        self.outcomes.update(r.outcome for r in results)
        raws.clear()

    def figures(self) -> dict:
        accepted = sum(self.outcomes.values())
        seconds = self.parse_seconds + self.apply_seconds
        return {
            "batches": self.batches,
            "outcomes": dict(self.outcomes),
            "parse_seconds": self.parse_seconds,
            "apply_seconds": self.apply_seconds,
            "seconds": seconds,
            "records_per_second": accepted / seconds if seconds else 0.0,
        }


def load_phase(
    store_url: str, corpus_dir: str, total: int, seed: int, subset_docs: int, subset_path: str
) -> dict:
    """Build the cluster's records and write them into a fresh store, ``BATCH`` a write per
    site; every ``total // subset_docs``-th record also goes to ``subset_path`` (JSON Lines
    with its site) for the naive comparison. Only ``parse_item`` + ``apply_batch`` are timed."""
    from exchange.store import open_store

    pools = read_pools(Path(corpus_dir))
    store = open_store(store_url)
    register_cluster(store)
    writer = _Writer(store)
    step = max(1, total // max(subset_docs, 1))
    kinds: Counter[str] = Counter()
    tiers: Counter[str] = Counter()
    years: Counter[int] = Counter()
    title_chars = body_chars = picked = 0
    started = time.perf_counter()
    batch: list[dict] = []
    current = None
    with open(subset_path, "wb") as subset:
        for ordinal, (site, kind, item) in enumerate(records(total, pools, seed)):
            if site.code != current:
                writer.write(current, batch)
                current = site.code
            kinds[kind] += 1
            tiers[site.tier] += 1
            years[int(item["published"][:4])] += 1
            title_chars += len(item["title"])
            body_chars += len(item["body"])
            if ordinal % step == 0 and picked < subset_docs:
                subset.write(orjson.dumps({**item, "site": site.code}) + b"\n")
                picked += 1
            batch.append(item)
            if len(batch) >= BATCH:
                writer.write(current, batch)
        writer.write(current, batch)
    wall = time.perf_counter() - started
    size = store.size_bytes()
    store.dispose()
    n = sum(kinds.values())
    return {
        "records": n,
        "sites": len(cluster()),
        "kinds": dict(kinds),
        "tiers": dict(tiers),
        "years": {str(y): years[y] for y in sorted(years)},
        "title_chars": title_chars,
        "body_chars": body_chars,
        "mean_body_chars": body_chars / n if n else 0.0,
        "mean_chars": (title_chars + body_chars) / n if n else 0.0,
        "pool_sizes": {k.name: len(pools.of(k.name)) for k in KINDS},
        "corpus_read_seconds": pools.read_seconds,
        "wall_seconds": wall,
        "synthesis_seconds": wall - writer.parse_seconds - writer.apply_seconds,
        "subset_docs": picked,
        "store_bytes": size,
        **writer.figures(),
        **memory(),
    }


def subset_load_phase(store_url: str, subset_path: str) -> dict:
    """The subset's records into another fresh store, by site, through the same write path."""
    from exchange.store import open_store

    by_site: dict[str, list[dict]] = {}
    with open(subset_path, "rb") as handle:
        for line in handle:
            raw = orjson.loads(line)
            by_site.setdefault(raw.pop("site"), []).append(raw)
    store = open_store(store_url)
    register_cluster(store)
    writer = _Writer(store)
    for site, raws in by_site.items():
        for i in range(0, len(raws), BATCH):
            writer.write(site, raws[i : i + BATCH])
    store.dispose()
    return writer.figures()
