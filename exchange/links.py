"""Links to a record's page: only absolute ``http`` and ``https`` URLs are ever links.

A record's ``url`` becomes an ``href`` in the Atom feed, a ``dc:identifier`` in OAI-PMH, a
hit's ``url`` in ``/v1/search`` and the results page, and the target of ``/click``. A
``javascript:``, ``data:`` or ``vbscript:`` URL there runs script in a reader's browser, with
the cluster's name on it. Browsers forgive a lot — they drop leading spaces and control
characters, tabs and newlines anywhere, and read schemes in any case — so a check that only
compares a prefix is walked around with `` JaVaScRiPt:`` or ``java\\tscript:``.

:func:`is_web_link` reads a URL the way a browser would (Python's ``urlsplit`` strips and
removes the same characters) and refuses control characters outright. A push is refused
an unsafe URL (:mod:`exchange.record_input`); what was stored before that rule is never
published as a link (:func:`web_link`).

>>> is_web_link("https://www.baoshan.gov.cn/art/2024/5/1/art_1.html")
True
>>> [is_web_link(u) for u in (" JaVaScRiPt:alert(1)", "java\\tscript:x", "data:text/html,x")]
[False, False, False]
>>> [is_web_link(u) for u in ("//evil.example/x", "http:/x", "/art/1.html", "ftp://a.cn/x")]
[False, False, False, False]
"""

import re
from urllib.parse import urlsplit

WEB_SCHEMES = ("http", "https")
# C0 controls, DEL and the C1 controls: never part of a URL a site means to publish.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def is_web_link(url: str) -> bool:
    """An absolute ``http`` or ``https`` URL with a host, and no control characters."""
    if _CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unbalanced IPv6 bracket
        return False
    return parts.scheme in WEB_SCHEMES and bool(parts.hostname)


def web_link(url: str) -> str:
    """``url`` when it is a web link, else the empty string: what a reader is given."""
    return url if url and is_web_link(url) else ""
