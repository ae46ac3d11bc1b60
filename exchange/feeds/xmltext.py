"""Writing XML as text: escaped content, and no character that XML 1.0 forbids.

Record text comes from many CMSs and may hold control characters that no XML parser accepts;
they are dropped here rather than making a whole feed unreadable.

>>> element("title", "A & B\\x0b", {"type": "text"})
'<title type="text">A &amp; B</title>'
"""

import re
from datetime import UTC, datetime
from xml.sax.saxutils import escape, quoteattr

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def element(name: str, content: str = "", attrs: dict[str, str] | None = None) -> str:
    """``<name attrs>content</name>`` with ``content`` escaped."""
    return markup(name, xml_text(content), attrs)


def markup(name: str, inner: str = "", attrs: dict[str, str] | None = None) -> str:
    """``<name attrs>inner</name>`` with ``inner`` already XML."""
    attributes = "".join(
        f" {key}={quoteattr(_NOT_XML.sub('', value))}" for key, value in (attrs or {}).items()
    )
    if not inner:
        return f"<{name}{attributes}/>"
    return f"<{name}{attributes}>{inner}</{name}>"


def utc_stamp(value: datetime | None) -> str:
    """A stored (naive UTC) time as ``YYYY-MM-DDThh:mm:ssZ``."""
    value = value or datetime.now(UTC).replace(tzinfo=None)
    return value.replace(microsecond=0).isoformat() + "Z"
