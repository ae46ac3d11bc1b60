"""The dashboard's section on best bets (推荐结果): the best bets in force — query, where they
apply, the record, the last day, who added them — each with a button that removes it, and a
form that adds one. The forms post to ``/admin/bestbets``
(:class:`~exchange.resources.dashboard.BestBetsFormResource`); no script is needed."""

from dataclasses import dataclass
from html import escape

from exchange.best_bets import DEFAULT_DAYS, MAX_DAYS, last_day
from exchange.store.best_bets import MAX_NOTE, MAX_QUERY, BestBet
from exchange.store.sites import Site

ACTION = "/admin/bestbets"
APPLIES = {
    "cluster": "整个站群的搜索",
    "site": "仅该站点的搜索",
    "branch": "该站点及其下级站点的搜索",
}


@dataclass(frozen=True)
class BestBetsView:
    bets: list[BestBet]
    sites: dict[str, Site]


def best_bets_section(view: BestBetsView) -> str:
    explained = (
        "推荐结果：有人在指定范围内搜索某个词时，把选定的一条信息排在第一页最前面，并标注“推荐”。"
        "搜索词按搜索时的方式比较（不区分全角半角、大小写和繁简体，多个空格视为一个）。"
        f"有效期至所填日期（北京时间）当天结束，不填为 {DEFAULT_DAYS} 天，最长 {MAX_DAYS} 天。"
        "添加和删除都记入审计日志；各服务进程在几秒内生效。"
    )
    rows = "".join(
        f"<tr><td>{escape(bet.query)}</td><td>{escape(_where(bet, view.sites))}</td>"
        f"<td>{_record(bet)}</td><td>{last_day(bet).isoformat()}</td>"
        f"<td>{escape(bet.actor)}</td><td>{escape(bet.note or '—')}</td>"
        f"<td>{_remove_button(bet)}</td></tr>"
        for bet in view.bets
    )
    table = (
        '<table><thead><tr><th scope="col">搜索词</th><th scope="col">适用范围</th>'
        '<th scope="col">推荐的信息</th><th scope="col">有效期至</th><th scope="col">操作人</th>'
        f'<th scope="col">备注</th><th scope="col">操作</th></tr></thead><tbody>{rows}</tbody>'
        "</table>"
        if view.bets
        else "<p>目前没有生效的推荐结果。</p>"
    )
    body = (
        f'<p class="rules">{escape(explained)}</p>'
        f"<h3>生效中的推荐结果（{len(view.bets)} 条）</h3>{table}"
        f"<h3>添加推荐结果</h3>{_add_form(view.sites)}"
    )
    heading = '<h2 id="best-bets">推荐结果</h2>'
    return f'<section aria-labelledby="best-bets">{heading}{body}</section>'


def _where(bet: BestBet, sites: dict[str, Site]) -> str:
    code = bet.site or bet.branch
    if code is None:
        return APPLIES["cluster"]
    name = sites[code].name if code in sites else code
    suffix = "的搜索" if bet.site else "及其下级站点的搜索"
    return f"{name}（{code}）{suffix}"


def _record(bet: BestBet) -> str:
    title = escape(bet.title or "（无标题）")
    gone = (
        "" if bet.searchable else '<br><span class="error">该信息已撤回或不可检索，不会展示</span>'
    )
    return f"{title}<br><small>{escape(bet.record_key)}</small>{gone}"


def _remove_button(bet: BestBet) -> str:
    label = f"删除推荐：{bet.query} → {bet.title or bet.record_key}"
    return (
        f'<form method="post" action="{ACTION}" class="inline">'
        '<input type="hidden" name="action" value="remove">'
        f'<input type="hidden" name="id" value="{bet.id}">'
        f'<button type="submit" aria-label="{escape(label)}">删除</button></form>'
    )


def _add_form(sites: dict[str, Site]) -> str:
    applies = "".join(
        f'<option value="{value}">{label}</option>' for value, label in APPLIES.items()
    )
    options = "".join(
        f'<option value="{escape(code)}">{escape(site.name)}</option>'
        for code, site in sites.items()
    )
    return (
        f'<form method="post" action="{ACTION}" class="hide-form bet-form">'
        '<input type="hidden" name="action" value="add">'
        '<label for="bet-query">搜索词</label>'
        f'<input id="bet-query" name="query" required maxlength="{MAX_QUERY}">'
        '<label for="bet-record">信息（站点代码/信息编号）</label>'
        '<input id="bet-record" name="record" required maxlength="161" '
        'placeholder="530500/2024-001" spellcheck="false">'
        '<label for="bet-applies">适用范围</label>'
        f'<select id="bet-applies" name="applies">{applies}</select>'
        '<label for="bet-site">站点代码（范围为站点或下级站点时必填）</label>'
        '<input id="bet-site" name="site" maxlength="32" list="bet-sites" spellcheck="false">'
        f'<datalist id="bet-sites">{options}</datalist>'
        '<label for="bet-expires">有效期至</label>'
        '<input id="bet-expires" name="expires" type="date">'
        '<label for="bet-note">备注</label>'
        f'<input id="bet-note" name="note" maxlength="{MAX_NOTE}">'
        '<button type="submit">添加</button></form>'
    )
