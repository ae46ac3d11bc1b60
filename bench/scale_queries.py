"""The queries of the scale benchmark, as ``GET /v1/search`` parameters.

* :data:`MIX`, the fixed mix: 1–3 common and rare terms, phrases, filters, facets off,
  newest-first, deep pages, pinyin and typos;
* :func:`generated`: many distinct "typical" queries, 1–3 words of the titles of the
  benchmark's own records, so that no two are alike and no result cache can answer them.

The same requests are timed in-process (turned into a
:class:`~indexer.search_types.SearchRequest` by the service's own
:func:`exchange.search_params.search_request`) and over HTTP under load.
Every request asks for page 1 of 10 with highlights and facets unless its kind says otherwise.
"""

import random
from pathlib import Path
from urllib.parse import urlencode

import orjson

TYPICAL = ("1 term", "2 terms", "3 terms", "rare")
"""The kinds that make the target's "typical 1–3 term queries with highlights and facets"."""

MIX: tuple[tuple[str, dict[str, str]], ...] = (
    ("1 term", {"q": "国务院"}),
    ("1 term", {"q": "经济"}),
    ("1 term", {"q": "疫情防控"}),
    ("1 term", {"q": "住房公积金"}),
    ("1 term", {"q": "营商环境"}),
    ("2 terms", {"q": "乡村振兴 发展"}),
    ("2 terms", {"q": "习近平 总书记"}),
    ("2 terms", {"q": "食品安全 监督"}),
    ("2 terms", {"q": "义务教育 学校"}),
    ("3 terms", {"q": "城乡居民 医疗保险 缴费"}),
    ("3 terms", {"q": "安全生产 专项 整治"}),
    ("3 terms", {"q": "生态环境 保护 督察"}),
    ("rare", {"q": "高黎贡山"}),
    ("rare", {"q": "滇滩镇"}),
    ("rare", {"q": "预拌混凝土 执法"}),
    ("rare", {"q": "非煤矿山"}),
    ("phrase", {"q": '"国务院办公厅"'}),
    ("phrase", {"q": '"中华人民共和国"'}),
    ("phrase", {"q": '"住房公积金"'}),
    ("phrase", {"q": '"乡村振兴" 产业'}),
    ("filter: site", {"q": "乡村振兴", "site": "530581"}),
    ("filter: branch", {"q": "工作", "site": "530581", "scope": "branch"}),
    ("filter: tier", {"q": "疫情防控", "tier": "township"}),
    ("filter: date", {"q": "经济", "from": "2025-01-01", "to": "2025-12-31"}),
    ("filter: date", {"q": "教育", "tier": "county", "from": "2024-01-01"}),
    ("filter: doc type", {"q": "通知", "doc_type": "政府文件"}),
    ("facets off", {"q": "国务院", "facets": "false"}),
    ("facets off", {"q": "经济 增长", "facets": "false"}),
    ("newest", {"q": "通知", "sort": "newest"}),
    ("newest", {"q": "疫情防控", "sort": "newest"}),
    ("newest", {"q": "", "site": "530500", "sort": "newest"}),
    ("deep page", {"q": "发展", "page": "20"}),
    ("deep page", {"q": "国务院", "page": "20", "sort": "newest"}),
    ("pinyin", {"q": "shebao"}),
    ("pinyin", {"q": "gjj"}),
    ("pinyin", {"q": "yiliao baoxian"}),
    ("typo", {"q": "公基金"}),
    ("typo", {"q": "营商环竟"}),
    ("typo", {"q": "义务叫育"}),
)

SUGGEST_PREFIXES = (
    "住房",
    "公积",
    "乡村",
    "疫情",
    "食品",
    "营商",
    "保山",
    "腾冲",
    "医疗",
    "教育",
    "国务院",
    "养老",
    "交通",
    "环境",
    "招聘",
    "gj",
    "shebao",
    "sb",
    "xczx",
    "yil",
)

KINDS = tuple(dict.fromkeys(kind for kind, _ in MIX))


def path_of(params: dict[str, str]) -> str:
    return "/v1/search?" + urlencode(params)


def label(params: dict[str, str]) -> str:
    """A short human description: the query and its other parameters."""
    rest = " ".join(f"{k}={v}" for k, v in params.items() if k != "q")
    return f"{params.get('q') or '(empty)'}" + (f" [{rest}]" if rest else "")


def generated(subset_path: Path, count: int, seed: int) -> list[tuple[str, dict[str, str]]]:
    """Up to ``count`` distinct queries of 1–3 words (of two or more Chinese characters, not
    stop words) taken in order from the titles of the records in ``subset_path``, segmented
    as the index segments a query. One, two and three words in the ratio 2 : 3 : 1."""
    from bench.queries import is_cjk, stopwords
    from indexer.analysis import Segmenter

    segmenter, stops = Segmenter(), stopwords()
    rng = random.Random(f"{seed}-generated")
    with open(subset_path, "rb") as handle:
        titles = [orjson.loads(line)["title"] for line in handle if line.strip()]
    rng.shuffle(titles)
    seen: set[str] = set()
    out: list[tuple[str, dict[str, str]]] = []
    for _ in range(5):  # a title may give another query on a later pass
        for title in titles:
            if len(out) >= count:
                return out
            words = [w.text for w in segmenter.query_words(title)]
            words = list(dict.fromkeys(w for w in words if len(w) >= 2 and is_cjk(w)))
            words = [w for w in words if w not in stops]
            n = min(rng.choice((1, 1, 2, 2, 2, 3)), len(words))
            if not n:
                continue
            picked = sorted(rng.sample(range(len(words)), n))
            text = " ".join(words[i] for i in picked)
            if text not in seen:
                seen.add(text)
                out.append((f"{n} term{'s' if n > 1 else ''}", {"q": text}))
    return out


def search_requests(sites: dict, mix=MIX) -> list:
    """The queries as the service would parse them: one SearchRequest per entry."""
    import falcon
    from falcon import testing

    from exchange.search_params import search_request

    options = falcon.RequestOptions()
    options.auto_parse_qs_csv = True  # as exchange.app sets it
    return [
        search_request(
            testing.create_req(options=options, path="/v1/search", query_string=urlencode(p)), sites
        )
        for _, p in mix
    ]
