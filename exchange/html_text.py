"""HTML to plain text for record bodies: block elements become line breaks, scripts and styles
vanish, entities are decoded. The result is text, never markup.

>>> html_to_text("<p>第一段&nbsp;内容</p><script>alert(1)</script><div>第二段<br>换行</div>")
'第一段 内容\\n第二段\\n换行'
"""

import re
from html.parser import HTMLParser

_BLOCKS = frozenset(
    [
        "p",
        "div",
        "br",
        "li",
        "ul",
        "ol",
        "tr",
        "table",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "section",
        "article",
        "header",
        "footer",
        "blockquote",
        "pre",
        "hr",
        "dd",
        "dt",
        "dl",
    ]
)
_DROP = frozenset({"script", "style", "noscript", "template", "iframe", "object"})
_SPACES = re.compile(r"[ \t\r\f\v\u00a0\u3000]+")
_LINES = re.compile(r"\s*\n\s*")
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!]|&[#a-zA-Z0-9]+;")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._dropping = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _DROP:
            self._dropping += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._dropping = max(0, self._dropping - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._dropping:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Plain text of an HTML fragment; plain text passes through with whitespace tidied."""
    if _LOOKS_LIKE_HTML.search(value):
        collector = _Collector()
        collector.feed(value)
        collector.close()
        value = "".join(collector.parts)
    value = _SPACES.sub(" ", value)
    return _LINES.sub("\n", value).strip()
