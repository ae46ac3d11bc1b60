"""Whole numbers in requests, read one way: ASCII digits and nothing else.

Python's own readers accept far more than a client means by a number: ``int("٣")`` is 3,
``int(" +1_0 ")`` is 10, Falcon's ``int`` route converter takes ``１`` (full width), and
``"6¹".isdigit()`` is true while ``int("6¹")`` raises — a 500 where a 400 belongs. Every
number a request carries (query parameters — :class:`exchange.params.Whole` —, path
segments, cookies) is read by :func:`whole_number`, so all of them are refused alike.

>>> whole_number("42"), whole_number("٤٢"), whole_number("6¹"), whole_number("+1")
(42, None, None, None)
>>> whole_number("9" * 19) is None  # more digits than any limit here; int() of 5,000 raises
True
"""

import re

from falcon.routing import BaseConverter

MAX_DIGITS = 18
# [0-9], not \d: in Python's re, \d matches every Unicode decimal digit.
_DIGITS = re.compile(f"[0-9]{{1,{MAX_DIGITS}}}")


def whole_number(text: str) -> int | None:
    """The number ``text`` spells in ASCII digits, or None for anything else."""
    if _DIGITS.fullmatch(text) is None:
        return None
    return int(text)


class WholeNumberConverter(BaseConverter):
    """A route segment ``{name:whole(min=1, max=…)}``: a path that does not hold such a number
    matches no route (404), as with Falcon's ``int``, but only for ASCII digits."""

    def __init__(self, min: int = 0, max: int | None = None) -> None:
        self.min = min
        self.max = max

    def schema(self) -> dict:
        """The segment's JSON schema, for the OpenAPI description."""
        bounds = {"minimum": self.min} | ({} if self.max is None else {"maximum": self.max})
        return {"type": "integer", **bounds}

    def convert(self, value: str) -> int | None:
        number = whole_number(value)
        if number is None or number < self.min or (self.max is not None and number > self.max):
            return None
        return number
