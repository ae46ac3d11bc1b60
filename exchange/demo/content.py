"""Synthetic demo content for the Baoshan (保山市, Yunnan) reference cluster.

A *cluster* (站群) is a set of government websites that share one search
service: the city portal, its district/county portals, township pages hosted
under the county portals, and city department sites.  Each site publishes
records into standard columns (栏目) such as 要闻动态, 通知公告 and 政策文件.

This module fabricates such a cluster without any network or file access:

* :func:`demo_sites` lists the sites (parents before children);
* :func:`demo_columns` lists the standard columns of one site;
* :func:`demo_records` composes ``(site_code, record)`` pairs from the
  templates of :mod:`exchange.demo.templates` (a data file), deterministically for a given
  ``seed`` and ``today``.

The generated data deliberately contains edge cases useful for testing a
search service: fresh and stale news columns, records that are not public or
not shareable, titles mixing Chinese with digits and Latin (5G, GDP, PM2.5,
COVID-19), and a handful of bodies containing the exact phrase 国务院办公厅
while a few others contain 办公厅 and 国务院 only separately.
"""

from __future__ import annotations

import datetime
import random
import re
from typing import Any

from exchange.demo import templates as T

__all__ = ["demo_columns", "demo_records", "demo_sites"]

PUBLIC_SITE_KEYS = ("code", "name", "tier", "parent", "base_url")
CST = datetime.timezone(datetime.timedelta(hours=8))
HISTORY_DAYS = 1095  # about three years
FRESH_DAYS = 14  # "fresh" news columns have something newer than this
STALE_DAYS = 130  # stale township: nothing newer than this (> 4 months)
INFO_DOC_TYPES = ("政府文件", "政府信息公开")
_NUM = re.compile(r"\{N:(\d+)-(\d+)\}")


def demo_sites() -> list[dict]:
    """Sites of the demo cluster, parents before children."""
    return [{k: s[k] for k in PUBLIC_SITE_KEYS} for s in T.SITES]


def demo_columns(site: dict) -> list[dict]:
    """The standard columns (栏目) of one site."""
    return [{"path": path, "kind": kind} for path, kind, _r, _d, _t in _column_defs(site)]


def _column_defs(site: dict) -> list[tuple[str, str, str, str, str]]:
    if site.get("tier") == "township":
        return [c for c in T.COLUMNS if c[2] in T.TOWNSHIP_ROLES]
    return list(T.COLUMNS)


def _meta(site: dict) -> dict[str, Any]:
    """Text-generation metadata of a site (a generic fallback for unknown sites)."""
    known = next((s for s in T.SITES if s["code"] == site["code"]), None)
    if known is not None:
        return known
    name = site["name"]
    short = name.removesuffix("人民政府") or name
    return dict(
        code=site["code"],
        short=short,
        area=short,
        unit="市",
        leaders=["主要负责同志"],
        office="办公室",
        org_code="11530500000000000X",
        phone="2120000",
        issuers=[(name, "保政发")],
        units="各有关单位",
        bias=[],
        dept=site.get("tier") == "department",
    )


def _allocate(sites: list[dict], count: int) -> list[int]:
    """Split ``count`` over sites by tier weight (largest remainder)."""
    weights = [T.TIER_WEIGHTS.get(s.get("tier", ""), 1) for s in sites]
    total = sum(weights) or 1
    raw = [count * w / total for w in weights]
    alloc = [int(x) for x in raw]
    order = sorted(range(len(sites)), key=lambda i: (-(raw[i] - alloc[i]), i))
    for i in order[: count - sum(alloc)]:
        alloc[i] += 1
    return alloc


def _pick_topic(rng: random.Random, meta: dict) -> str:
    bias = meta.get("bias", [])
    if meta.get("dept"):
        pool = [(k, 6) for k in bias] + [(k, 1) for k in T.GENERAL_TOPICS if k not in bias]
    else:
        code = meta.get("code", "")
        pool = [
            (k, 5 if k in bias else 1)
            for k, t in T.TOPICS.items()
            if k in bias or any(code.startswith(w) for w in t.get("where", [""]))
        ]
    keys, weights = zip(*pool, strict=True)
    return rng.choices(keys, weights=weights)[0]


def _published(
    rng: random.Random, today: datetime.date, lo: int, hi: int, recent: bool
) -> datetime.datetime:
    """A working-hours timestamp ``lo``..``hi`` days before ``today``."""
    # skew towards the recent end unless asked for a uniform spread
    days = lo + int(rng.random() ** 1.8 * (hi - lo)) if recent else rng.randint(lo, hi)
    day = today - datetime.timedelta(days=days)
    if day.weekday() >= 5 and days > FRESH_DAYS and rng.random() < 0.8:
        day -= datetime.timedelta(days=day.weekday() - 4)  # move back to Friday
    hour = rng.choices(range(8, 19), weights=[3, 6, 8, 6, 2, 1, 5, 7, 6, 4, 2])[0]
    return datetime.datetime(
        day.year, day.month, day.day, hour, rng.randint(0, 59), rng.randint(0, 59), tzinfo=CST
    )


def _cn_date(d: datetime.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def _fill(text: str, ctx: dict[str, str], rng: random.Random) -> str:
    for key, value in ctx.items():
        text = text.replace("{" + key + "}", value)
    return _NUM.sub(lambda m: str(rng.randint(int(m[1]), int(m[2]))), text)


def _plan(sites: list[dict], count: int, rng: random.Random, today: datetime.date) -> list[dict]:
    """Decide site, column, topic and date of every record (no text yet)."""
    plans: list[dict] = []
    for site, n in zip(sites, _allocate(sites, count), strict=True):
        meta = _meta(site)
        cols = _column_defs(site)
        township = site.get("tier") == "township"
        role_weights = T.TOWNSHIP_ROLE_WEIGHTS if township else T.ROLE_WEIGHTS
        weights = [role_weights[c[2]] for c in cols]
        stale = bool(meta.get("stale"))
        fresh = site.get("tier") in ("city", "county")
        for i in range(n):
            col = rng.choices(cols, weights=weights)[0]
            if i == 0 and (stale or fresh):
                col = next(c for c in cols if c[2] == "news")
            if stale:
                when = _published(rng, today, STALE_DAYS, HISTORY_DAYS, True)
            elif i == 0 and fresh:
                when = _published(rng, today, 1, FRESH_DAYS - 1, False)
            else:
                when = _published(rng, today, 1, HISTORY_DAYS, True)
            plans.append(
                dict(
                    site=site,
                    meta=meta,
                    col=col,
                    topic=_pick_topic(rng, meta),
                    when=when,
                    special=None,
                )
            )
    # A handful of notices/files carry the exact phrase, a few others split it.
    candidates = [p for p in plans if p["col"][2] in ("notice", "file")]
    n_special = min(len(candidates) // 2, max(1, count // 70))
    chosen = rng.sample(candidates, 2 * n_special) if n_special else []
    for k, p in enumerate(chosen):
        p["special"] = "gbt" if k < n_special else "split"
    return plans


def _context(p: dict, rng: random.Random) -> dict[str, str]:
    site, meta, when = p["site"], p["meta"], p["when"]
    topic = T.TOPICS[p["topic"]]
    role = p["col"][2]
    issuer, prefix = rng.choice(meta["issuers"])
    pool = {"service": topic["services"], "qa": topic["questions"]}.get(role, topic["matters"])
    matter, work = rng.choice(pool), rng.choice(topic["matters"])
    written = when.date() - datetime.timedelta(days=rng.randint(0, 15))
    return dict(
        name=site["name"],
        short=meta["short"],
        area=meta["area"],
        unit=meta["unit"],
        issuer=issuer,
        prefix=prefix,
        matter=matter,
        topic=topic["name"],
        work=matter if pool is topic["matters"] else work,
        year=str(when.year),
        prev=str(when.year - 1),
        written=written.isoformat(),
        date=_cn_date(when.date()),
        wdate=_cn_date(written),
        leader=rng.choice(meta["leaders"]),
        office=meta["office"],
        units=meta["units"],
        phone=meta["phone"],
    )


def _title(p: dict, ctx: dict[str, str], rng: random.Random) -> str:
    role = p["col"][2]
    if p["special"] == "gbt":
        template = T.GBT_TITLES[role]
    else:
        specials = [t for r, t in T.TOPICS[p["topic"]]["specials"] if r == role]
        if specials and rng.random() < 0.25:
            template = rng.choice(specials)
        else:
            template = rng.choice(T.TITLES[role])
    return _fill(template, ctx, rng).replace("管理管理", "管理")


def _draw(p: dict, pool: str, rng: random.Random) -> str:
    """Next sentence from a per-record shuffled deck, so a body rarely repeats itself.

    ``pool`` is "facts" (topic sentences), "generic" or "reply"; an exhausted
    facts deck falls back to the other one, and exhausted decks are refilled.
    """
    decks = p.setdefault("decks", {})
    other = "reply" if p["col"][2] == "qa" else "generic"
    if pool == "facts" and decks.get("facts") == [] and decks.get(other, True):
        pool = other
    deck = decks.setdefault(pool, [])
    if not deck:
        source = {"facts": T.TOPICS[p["topic"]]["sentences"], "reply": T.QA_REPLIES}
        deck.extend(source.get(pool, T.GENERIC))
        rng.shuffle(deck)
    return deck.pop()


def _sentences(p: dict, k: int, rng: random.Random) -> list[str]:
    other = "reply" if p["col"][2] == "qa" else "generic"
    return [_draw(p, other if rng.random() < 0.4 else "facts", rng) for _ in range(k)]


def _middle(p: dict, ctx: dict[str, str], rng: random.Random, lead: str = "") -> str:
    return _fill(lead + "".join(_sentences(p, rng.randint(2, 4), rng)), ctx, rng)


def _body_parts(
    p: dict, ctx: dict[str, str], rng: random.Random, n: int
) -> tuple[list[str], list[str], list[str]]:
    """(head, middle, tail) paragraphs of a body; ``n`` is the target count."""
    role, f = p["col"][2], (lambda s: _fill(s, ctx, rng))
    if role == "news":
        head = [f(rng.choice(T.NEWS_OPENINGS))]
        mids = []
        for i in range(max(1, n - 2)):
            leads = T.NEWS_FACT_LEADS if i % 2 == 0 else T.NEWS_REQ_LEADS
            pool = "facts" if i % 2 == 0 else "generic"
            text = rng.choice(leads) + _draw(p, pool, rng) + _draw(p, pool, rng)
            mids.append(f(text))
        return head, mids, [f(rng.choice(T.NEWS_CLOSINGS))]
    if role == "service":
        paras = [f(s) for s in T.SERVICE_PARAS]
        paras.insert(3, f(_draw(p, "facts", rng) + _draw(p, "facts", rng)))
        return paras[:1], paras[1:-1], paras[-1:]
    if role == "qa":
        head = [f(T.QA_QUESTION), f(T.QA_ANSWER)]
        mids = [_middle(p, ctx, rng) for _ in range(min(3, max(1, n - 3)))]
        return head, mids, [f(T.QA_CLOSING)]
    if role == "interp":
        heads = T.INTERP_SECTIONS[: max(1, min(len(T.INTERP_SECTIONS), n - 1))]
        mids = [_middle(p, ctx, rng, h) for h in heads]
        return [], mids, [f(T.INTERP_CLOSING)]
    # notice / file: addressees, opening, numbered sections, signature
    if p["special"] == "gbt":
        opening = T.GBT_OPENING
    elif p["special"] == "split":
        opening = T.SPLIT_OPENING
    else:
        opening = T.NOTICE_OPENING if role == "notice" else T.FILE_OPENING
    head = [f(ctx["units"] + "：" + opening)]
    sections = T.NOTICE_SECTIONS if role == "notice" else T.FILE_SECTIONS
    mids = [_middle(p, ctx, rng, h) for h in sections[: max(1, min(len(sections), n - 2))]]
    return head, mids, [f(T.SIGNATURE.replace("{date}", ctx["wdate"]))]


def _body(p: dict, ctx: dict[str, str], rng: random.Random) -> str:
    head, mids, tail = _body_parts(p, ctx, rng, rng.randint(3, 8))

    def size() -> int:
        return len("\n".join(head + mids + tail))

    while size() < 300 and len(head) + len(mids) + len(tail) < 8:
        mids.append(_middle(p, ctx, rng))
    while size() < 300:  # paragraph budget spent: lengthen the last middle one
        mids[-1] += _fill(_draw(p, "generic", rng), ctx, rng)
    while size() > 1500 and len(mids) > 1:
        mids.pop()
    while size() > 1500:  # trim sentences from the longest paragraph
        parts = head + mids + tail
        longest = max(range(len(parts)), key=lambda i: len(parts[i]))
        cut = parts[longest][:-1].rfind("。")
        parts[longest] = parts[longest][: cut + 1] if cut > 0 else parts[longest][:200]
        nh, nt = len(head), len(parts) - len(tail)
        head, mids, tail = parts[:nh], parts[nh:nt], parts[nt:]
    return "\n".join(head + mids + tail)


def _access(n: int, rng: random.Random) -> tuple[list[str], list[bool]]:
    """Exact quotas: ~10% conditional and ~5% unshared, ~3% not public."""
    share = ["conditional"] * round(n * 0.10) + ["none"] * round(n * 0.05)
    share += ["unconditional"] * (n - len(share))
    public = [False] * round(n * 0.03) + [True] * (n - round(n * 0.03))
    rng.shuffle(share)
    rng.shuffle(public)
    return share, public


def demo_records(
    sites: list[dict], count: int = 400, seed: int = 2017, today: datetime.date | None = None
) -> list[tuple[str, dict]]:
    """(site_code, record) pairs."""
    if today is None:
        today = datetime.date.today()
    rng = random.Random(seed)
    plans = _plan(sites, max(0, count), rng, today)
    # Per-site chronological order so that ids and document numbers ascend.
    order = {s["code"]: i for i, s in enumerate(sites)}
    plans.sort(key=lambda p: (order[p["site"]["code"]], p["when"]))
    id_seq: dict[tuple[str, int], int] = {}
    index_seq: dict[tuple[str, int], int] = {}
    doc_seq: dict[tuple[str, str, int], int] = {}
    shares, publics = _access(len(plans), rng)
    out: list[tuple[str, dict]] = []
    for i, p in enumerate(plans):
        site, meta, when = p["site"], p["meta"], p["when"]
        path, _kind, _role, url_dir, doc_type = p["col"]
        ctx = _context(p, rng)
        key = (site["code"], when.year)
        id_seq[key] = id_seq.get(key, 0) + 1
        rid = f"{when.year}-{id_seq[key]:06d}"
        record: dict[str, Any] = {
            "id": rid,
            "url": f"{site['base_url'].rstrip('/')}{url_dir}{rid}.html",
            "title": _title(p, ctx, rng),
            "body": _body(p, ctx, rng),
            "column": path,
            "doc_type": doc_type,
            "published": when.isoformat(),
            "share": shares[i],
            "public": publics[i],
        }
        if doc_type in INFO_DOC_TYPES:
            index_seq[key] = index_seq.get(key, 0) + 1
            wyear = int(ctx["written"][:4])
            dkey = (site["code"], ctx["prefix"], wyear)
            doc_seq[dkey] = doc_seq.get(dkey, 0) + 1
            record.update(
                index_no=f"{meta['org_code']}/{when.year}-{index_seq[key]:05d}",
                issuer=ctx["issuer"],
                doc_no=f"{ctx['prefix']}〔{wyear}〕{doc_seq[dkey]}号",
                subject=T.TOPICS[p["topic"]]["subject"],
                written=ctx["written"],
            )
        out.append((site["code"], record))
    return out
