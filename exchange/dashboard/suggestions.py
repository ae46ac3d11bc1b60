"""The dashboard's section on public suggestions (公开搜索建议): what the public is offered
from past queries, each with a button that hides it, any other text to hide, and what is
hidden, each with a button that shows it again. The forms post to ``/admin/suggestions``
(:class:`~exchange.resources.dashboard.SuggestionsFormResource`); no script is needed."""

from dataclasses import dataclass
from html import escape

from exchange.popular import PublicQuery
from exchange.query_screen import ScreenRules
from exchange.record_input import to_cluster_time
from exchange.store.hidden_suggestions import HiddenSuggestion

ACTION = "/admin/suggestions"


@dataclass(frozen=True)
class SuggestionsView:
    public: list[PublicQuery]
    hidden: list[HiddenSuggestion]
    rules: ScreenRules


def suggestions_section(view: SuggestionsView) -> str:
    rules = view.rules
    explained = (
        f"只有搜索到结果、未使用 OR、减号或引号，且 {rules.hot.days} 天（热门搜索）或 "
        f"{rules.past.days} 天（联想词和相关搜索）内有至少 {rules.clients} 个不同访客搜索过的词，"
        "才会展示给公众；含屏蔽词的不展示。隐藏后，该词在各服务进程下次读取时（一分钟内）消失。"
    )
    public_rows = "".join(
        f"<tr><td>{escape(q.text)}</td><td>{q.clients}</td><td>{q.searches}</td>"
        f"<td>{_button('hide', q.text, '隐藏')}</td></tr>"
        for q in view.public
    )
    public = (
        '<table><thead><tr><th scope="col">搜索词</th><th scope="col">访客数</th>'
        '<th scope="col">搜索次数</th><th scope="col">操作</th></tr></thead>'
        f"<tbody>{public_rows}</tbody></table>"
        if view.public
        else "<p>目前没有展示给公众的搜索建议。</p>"
    )
    hidden_rows = "".join(
        f"<tr><td>{escape(h.text)}</td><td>{escape(h.reason or '—')}</td>"
        f"<td>{escape(h.actor)}</td><td>{_when(h)}</td>"
        f"<td>{_button('show', h.text, '恢复展示')}</td></tr>"
        for h in view.hidden
    )
    hidden = (
        '<table><thead><tr><th scope="col">搜索词</th><th scope="col">原因</th>'
        '<th scope="col">操作人</th><th scope="col">隐藏时间</th><th scope="col">操作</th>'
        f"</tr></thead><tbody>{hidden_rows}</tbody></table>"
        if view.hidden
        else "<p>没有隐藏的搜索建议。</p>"
    )
    other = (
        f'<form method="post" action="{ACTION}" class="hide-form">'
        '<input type="hidden" name="action" value="hide">'
        '<label for="hide-text">隐藏其他建议词（包括来自标题的联想词）</label>'
        '<input id="hide-text" name="text" required maxlength="256">'
        '<label for="hide-reason">原因</label>'
        '<input id="hide-reason" name="reason" maxlength="256">'
        '<button type="submit">隐藏</button></form>'
    )
    body = (
        f'<p class="rules">{escape(explained)}</p><h3>正在展示的搜索建议</h3>{public}'
        f"{other}<h3>已隐藏的搜索建议（{len(view.hidden)} 个）</h3>{hidden}"
    )
    heading = '<h2 id="suggestions">公开搜索建议</h2>'
    return f'<section aria-labelledby="suggestions">{heading}{body}</section>'


def _button(action: str, text: str, label: str) -> str:
    return (
        f'<form method="post" action="{ACTION}" class="inline">'
        f'<input type="hidden" name="action" value="{action}">'
        f'<input type="hidden" name="text" value="{escape(text)}">'
        f'<button type="submit" aria-label="{escape(label)}：{escape(text)}">{escape(label)}'
        "</button></form>"
    )


def _when(hidden: HiddenSuggestion) -> str:
    return to_cluster_time(hidden.hidden_at)[:16].replace("T", " ")
