"""The dashboard's HTML: the login page and the overview, in the operators' language.

Everything that comes from the store or from citizens (site names, column paths, queries,
errors) is escaped; the charts come from :mod:`exchange.dashboard.charts`.
"""

from html import escape

from exchange.dashboard.best_bets import best_bets_section
from exchange.dashboard.charts import Series, bar_chart, column_chart, data_table
from exchange.dashboard.overview import Overview
from exchange.dashboard.plain_misses import plain_candidates_section
from exchange.dashboard.suggestions import suggestions_section
from exchange.record_input import to_cluster_time

STYLESHEET = "/admin/dashboard.css"
TIERS = {
    "province": ("省级", "#8c2d19"),
    "city": ("市级", "#1d4e89"),
    "county": ("县级", "#2a7f62"),
    "township": ("乡镇", "#b35c00"),
    "department": ("部门", "#6b4c9a"),
}
OUTCOMES = {
    "ok": ("成功", "#2a7f62"),
    "failed": ("失败", "#b3261e"),
    "busy": ("跳过（上次未结束）", "#b35c00"),
    "abandoned": ("中断", "#57606a"),
    "running": ("运行中", "#1d4e89"),
}
FINDINGS = {"stale": "未更新", "long_stale": "长期未更新", "empty": "空白栏目"}
KINDS = {
    "news": "动态要闻",
    "notice": "通知公告",
    "policy": "政策文件",
    "service": "办事服务",
    "interaction": "互动交流",
    "other": "其他",
}
MAX_COLUMN_ROWS = 200


def _document(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{escape(title)}</title><link rel="stylesheet" href="{STYLESHEET}">'
        f'<link rel="icon" href="data:,"></head><body>{body}</body></html>'
    )


def login_page(error: str = "") -> str:
    alert = f'<p class="error" role="alert">{escape(error)}</p>' if error else ""
    return _document(
        "登录 · 站群监管看板",
        '<main class="login"><h1>站群监管看板</h1>'
        "<p>请输入集群管理密钥（含 admin 权限）登录。密钥只用于本次登录，不会出现在网址中。</p>"
        f'{alert}<form method="post" action="/admin/login">'
        '<label for="key">管理密钥</label>'
        '<input id="key" name="key" type="password" autocomplete="current-password" '
        'required maxlength="200" spellcheck="false">'
        '<button type="submit">登录</button></form></main>',
    )


def refused_page(title: str, message: str, back: str) -> str:
    """A form the dashboard refused: why, and the way back to it."""
    return _document(
        f"{title} · 站群监管看板",
        f'<main class="login"><h1>{escape(title)}</h1>'
        f'<p class="error" role="alert">{escape(message)}</p>'
        f'<p><a href="{escape(back)}">返回看板</a></p></main>',
    )


def dashboard_page(overview: Overview) -> str:
    alert = (
        '<p class="alert" role="alert">索引检查未通过，未发布新索引：'
        f"{escape(overview.indexer_problem)}</p>"
        if overview.indexer_problem
        else ""
    )
    sections = [
        alert,
        _tiles(overview),
        _publishing(overview),
        _freshness(overview),
        _searches(overview),
        plain_candidates_section(overview.plain_candidates),
        suggestions_section(overview.suggestions) if overview.suggestions else "",
        best_bets_section(overview.best_bets) if overview.best_bets else "",
        _indexer(overview),
    ]
    header = (
        '<header class="top"><p class="brand">站群监管看板</p>'
        f"<p>统计日期 {overview.today.isoformat()}</p>"
        '<form method="post" action="/admin/logout"><button type="submit">退出登录</button>'
        "</form></header>"
    )
    return _document(
        "站群监管看板", header + "<main><h1>站群监管看板</h1>" + "".join(sections) + "</main>"
    )


def _section(anchor: str, title: str, body: str) -> str:
    heading = f'<h2 id="{anchor}">{escape(title)}</h2>'
    return f'<section aria-labelledby="{anchor}">{heading}{body}</section>'


def _tiles(o: Overview) -> str:
    searches = o.searches["totals"]
    zero_share = searches["zero_results"] / searches["searches"] if searches["searches"] else 0
    failed, inspected = len(o.inspection.failed), len(o.inspection.sites)
    last = o.runs[0] if o.runs else None
    last_text = f"{OUTCOMES[last.outcome][0]} · {_when(last.started_at)}" if last else "尚未运行"
    tiles = [
        ("近12个月发布", f"{o.publishing['total']:,} 条"),
        ("检查不合格站点", f"{failed} / {inspected}"),
        ("近30天搜索", f"{searches['searches']:,} 次"),
        ("无结果搜索占比", f"{zero_share:.0%}"),
        ("最近一次索引", last_text),
    ]
    items = "".join(
        f'<div class="tile"><dt>{escape(k)}</dt><dd>{escape(v)}</dd></div>' for k, v in tiles
    )
    return f'<section aria-label="概览"><dl class="tiles">{items}</dl></section>'


def _publishing(o: Overview) -> str:
    periods = o.publishing["periods"]
    by_tier: dict[str, list[int]] = {}
    for site in o.publishing["series"]:
        counts = by_tier.setdefault(site["key"]["tier"], [0] * len(periods))
        for i, count in enumerate(site["counts"]):
            counts[i] += count
    series = [
        Series(name, by_tier[tier], color)
        for tier, (name, color) in TIERS.items()
        if tier in by_tier
    ]
    busiest = max(range(len(periods)), key=lambda i: sum(s.values[i] for s in series), default=0)
    summary = f"近12个月共发布 {o.publishing['total']} 条"
    if series:
        summary += f"，{periods[busiest]} 最多，{sum(s.values[busiest] for s in series)} 条"
    trend = column_chart(
        "tier-trend",
        "各层级每月发布量",
        periods,
        series,
        summary + "。",
        " 条",
        short=lambda p: p[2:],
    )
    top = o.publishing["series"][:10]
    sites = bar_chart(
        "top-sites",
        "发布量前十的站点（近12个月）",
        [(s["site_name"] or s["key"]["site"], s["total"]) for s in top],
        "发布最多的站点：" + "、".join(s["site_name"] for s in top[:3]) + "。"
        if top
        else "暂无发布。",
        "#1d4e89",
        " 条",
    )
    return _section("publishing", "信息发布", f'<div class="pair">{trend}{sites}</div>')


def _freshness(o: Overview) -> str:
    report, rules = o.inspection, o.inspection.rules
    rule_text = (
        f"规则：动态要闻及首页栏目 {rules.news}、通知公告和政策文件栏目 {rules.notice} 内须有更新，"
        f"{rules.long} 未更新为长期未更新；首页两周未更新，或未更新栏目 ≥ {rules.stale} 个、"
        f"长期未更新栏目 ≥ {rules.long_stale} 个、空白栏目 ≥ {rules.empty} 个，即判定不合格。"
    )
    ranked = sorted(
        (s for s in report.sites if s.counts.get("stale")), key=lambda s: -s.counts["stale"]
    )[:10]
    chart = bar_chart(
        "stale-columns",
        "各站点未更新栏目数",
        [(s.name, s.counts["stale"]) for s in ranked],
        f"{len(report.failed)} 个站点不合格；未更新栏目最多的是"
        + (f"{ranked[0].name}（{ranked[0].counts['stale']} 个）。" if ranked else "：无。"),
        "#b35c00",
        " 个",
        threshold=(rules.stale, f"否决线 {rules.stale}"),
    )
    vetoes = {
        "homepage_not_updated": f"首页 {rules.news} 未更新",
        "stale_columns": f"未更新栏目 ≥ {rules.stale}",
        "long_stale_columns": f"长期未更新栏目 ≥ {rules.long_stale}",
        "empty_columns": f"空白栏目 ≥ {rules.empty}",
    }
    sites = data_table(
        ["站点", "层级", "否决项", "未更新", "长期未更新", "空白", "首页最近更新"],
        [
            [
                s.name,
                TIERS.get(s.tier, (s.tier,))[0],
                "；".join(vetoes[v] for v in s.vetoes),
                s.counts["stale"],
                s.counts["long_stale"],
                s.counts["empty"],
                _when(s.homepage_newest),
            ]
            for s in report.failed
        ],
    )
    rows = [
        [s.name, f.column.path, KINDS.get(f.column.kind, f.column.kind),
         "、".join(FINDINGS[x] for x in f.findings), _when(f.column.newest)]
        for s in report.failed for f in s.columns
    ]  # fmt: skip
    columns = data_table(["站点", "栏目", "类别", "问题", "最近发布"], rows[:MAX_COLUMN_ROWS])
    more = (
        f"<p>另有 {len(rows) - MAX_COLUMN_ROWS} 个栏目未列出。</p>"
        if len(rows) > MAX_COLUMN_ROWS
        else ""
    )
    body = (
        f'<p class="rules">{escape(rule_text)}</p>{chart}'
        f"<h3>不合格站点（{len(report.failed)} 个）</h3>{sites}"
        f"<h3>不合格站点的问题栏目</h3>{columns}{more}"
    )
    return _section("freshness", "栏目更新检查", body)


def _searches(o: Overview) -> str:
    s = o.searches
    found = [n - z for n, z in zip(s["trend"]["searches"], s["trend"]["zero_results"], strict=True)]
    trend = column_chart(
        "search-trend",
        "每日搜索量（近30天）",
        s["periods"],
        [
            Series("有结果", found, "#1d4e89"),
            Series("无结果", s["trend"]["zero_results"], "#b3261e"),
        ],
        f"近30天搜索 {s['totals']['searches']} 次，其中无结果 {s['totals']['zero_results']} 次，"
        f"点击结果 {s['totals']['clicks']} 次。",
        " 次",
        short=lambda p: p[5:],
    )
    top = bar_chart(
        "top-queries",
        "热门搜索词",
        [(q["query"], q["searches"]) for q in s["top"]],
        "搜索最多的词：" + "、".join(q["query"] for q in s["top"][:3]) + "。"
        if s["top"]
        else "暂无搜索。",
        "#1d4e89",
        " 次",
    )
    zero = bar_chart(
        "zero-queries",
        "无结果搜索词",
        [(q["query"], q["searches"]) for q in s["zero_results"]],
        "找不到结果最多的词：" + "、".join(q["query"] for q in s["zero_results"][:3]) + "。"
        if s["zero_results"]
        else "近30天没有无结果的搜索。",
        "#b3261e",
        " 次",
    )
    return _section("searches", "搜索分析", f'{trend}<div class="pair">{top}{zero}</div>')


def _indexer(o: Overview) -> str:
    runs = list(reversed(o.runs))
    labels = [_when(r.started_at)[5:] for r in runs]
    series = [
        Series(name, [(r.seconds or 0) if r.outcome == outcome else 0 for r in runs], color)
        for outcome, (name, color) in OUTCOMES.items()
        if any(r.outcome == outcome for r in runs)
    ]
    failed = sum(r.outcome == "failed" for r in runs)
    chart = column_chart(
        "indexer-runs",
        f"最近 {len(runs)} 次索引运行的耗时",
        labels,
        series,
        f"最近 {len(runs)} 次运行，失败 {failed} 次。" if runs else "索引尚未运行。",
        " 秒",
        label_header="开始时间",
    )
    table = data_table(
        ["开始", "结束", "方式", "索引代", "新增", "更新", "删除", "结果"],
        [
            [_when(r.started_at), _when(r.finished_at), r.mode, r.generation or "",
             r.added, r.updated, r.deleted,
             OUTCOMES[r.outcome][0] + (f"：{r.error}" if r.error else "")]
            for r in o.runs[:10]
        ],
    )  # fmt: skip
    return _section("indexer", "索引运行", f"{chart}<h3>最近 10 次</h3>{table}")


def _when(moment) -> str:
    return to_cluster_time(moment)[:16].replace("T", " ") if moment else "—"
