"""The dashboard's section on candidates for the plain-language table (白话词候选): searches
that found nothing, after which the same visitor found and opened something under another
query (:mod:`exchange.supervision.plain_misses`)."""

from html import escape

from exchange.supervision.plain_misses import WINDOW, PlainCandidate


def plain_candidates_section(candidates: list[PlainCandidate]) -> str:
    minutes = int(WINDOW.total_seconds() // 60)
    explained = (
        f"近30天无结果、随后 {minutes} 分钟内同一访客换了说法搜索并点开结果的搜索词。"
        "如果它是群众对某个办事事项的日常说法，可加入 DATA_DIR/plain_language.txt"
        "（格式：日常说法 = 规范名称），搜索时将同时查找规范名称。"
    )
    rows = "".join(
        f"<tr><td>{escape(c.query)}</td><td>{c.clients}</td><td><ul>"
        + "".join(
            f"<li>{escape(f.query)} → {escape(f.title or f.record)}（{f.clients} 位访客）</li>"
            for f in c.followed
        )
        + "</ul></td></tr>"
        for c in candidates
    )
    table = (
        '<table><thead><tr><th scope="col">无结果的搜索词</th><th scope="col">访客数</th>'
        '<th scope="col">随后搜索并点开的结果</th></tr></thead>'
        f"<tbody>{rows}</tbody></table>"
        if candidates
        else "<p>近30天没有这样的搜索。</p>"
    )
    heading = '<h2 id="plain-language">白话词候选</h2>'
    body = f'<p class="rules">{escape(explained)}</p>{table}'
    return f'<section aria-labelledby="plain-language">{heading}{body}</section>'
