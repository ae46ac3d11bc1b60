"""The pages' Jinja2 environment: templates from the package, every value escaped.

Autoescaping is on for every template, so a record's text can only become markup through
:func:`highlighted`, which lets through nothing but the ``<mark>`` tags the search puts around
matched words.

>>> str(highlighted("<mark>公积金</mark> &lt;script&gt; <img src=x onerror=alert(1)>"))
'<mark>公积金</mark> &lt;script&gt; &lt;img src=x onerror=alert(1)&gt;'
"""

import html
import re

import jinja2
from markupsafe import Markup, escape

_MARK = re.compile(r"(</?mark>)")


def highlighted(text: str) -> Markup:
    """Escaped title or snippet text (as the search returns it) as markup: ``<mark>`` stays a
    tag, anything else that looks like a tag is shown as text. Each piece is unescaped and
    escaped again, so well-escaped text comes out the same and anything raw comes out safe."""
    pieces = _MARK.split(text)
    return Markup("").join(
        Markup(piece) if piece in ("<mark>", "</mark>") else escape(html.unescape(piece))
        for piece in pieces
    )


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("exchange.pages", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["highlighted"] = highlighted
    return env
