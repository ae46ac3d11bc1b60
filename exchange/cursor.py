"""Change-feed cursors: opaque to clients, checked by the server.

A cursor is the URL-safe base64 of a small versioned JSON object naming the store and the
last sequence number the reader has been given (or scanned past). The store's identity makes
a cursor from another store — a rebuilt one, a different cluster — fail loudly as expired
instead of silently skipping or repeating changes.

>>> cursor = encode("ab12cd34ef56ab78", 42)
>>> decode(cursor, "ab12cd34ef56ab78", last=100)
42
"""

import base64
import binascii

import orjson

from exchange.errors import Gone, InvalidInput

VERSION = 1
MAX_LENGTH = 200


def encode(store_id: str, seq: int) -> str:
    raw = orjson.dumps({"v": VERSION, "store": store_id, "seq": seq})
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode(text: str, store_id: str, last: int, field: str = "since") -> int:
    """The sequence number of a cursor this store issued; ``last`` is the feed's end."""
    try:
        if len(text) > MAX_LENGTH:
            raise ValueError
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        value = orjson.loads(raw)
        version, store, seq = value["v"], value["store"], value["seq"]
        if version != VERSION or not isinstance(store, str):
            raise ValueError
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise ValueError
    except (ValueError, TypeError, KeyError, binascii.Error, orjson.JSONDecodeError):
        raise InvalidInput(
            "not a cursor this service issued; start without one", code="invalid_cursor",
            field=field,
        ) from None  # fmt: skip
    if store != store_id or seq > last:
        raise Gone(
            "the cursor belongs to another store or a state this store no longer has; "
            "start again without one",
            code="cursor_expired",
            field=field,
        )
    return seq
