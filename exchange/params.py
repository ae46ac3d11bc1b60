"""Query-string parameters, each declared once: its name, what it means and the values it
takes. A declaration reads its parameter from a request (refusing a value it does not take
with :class:`~exchange.errors.InvalidInput` naming it) and describes itself as a JSON schema
for the OpenAPI description (:mod:`exchange.openapi`), so the two cannot disagree.

A resource lists the parameters it reads in its responder's declaration
(:func:`exchange.declaring.declare`); :class:`exchange.search_filters.ValueFilter` is one more
kind of parameter, with the same ``name``, ``description`` and ``schema()``.

>>> PAGE = Whole("page", "page number", default=1, low=1, high=100)
>>> PAGE.schema()
{'type': 'integer', 'minimum': 1, 'maximum': 100, 'default': 1}
>>> PAGE.check("7"), PAGE.check(None)
(7, 1)
>>> PAGE.check("٧")
Traceback (most recent call last):
...
exchange.errors.InvalidInput: page must be a whole number from 1 to 100
>>> Choice("sort", "how hits are ordered", ("relevance", "newest")).schema()
{'type': 'string', 'enum': ['relevance', 'newest']}
"""

from dataclasses import dataclass
from datetime import date

import falcon

from exchange.errors import InvalidInput
from exchange.numbers import whole_number


@dataclass(frozen=True)
class Text:
    """A string; longer than ``max_length`` characters is refused with ``too_long_code``."""

    name: str
    description: str
    max_length: int | None = None
    too_long_code: str = "too_long"

    def raw(self, req: falcon.Request) -> str | None:
        return req.get_param(self.name)

    def check(self, value: str | None) -> str | None:
        if value is not None and self.max_length is not None and len(value) > self.max_length:
            raise InvalidInput(f"{self.name} is longer than {self.max_length} characters",
                               code=self.too_long_code, field=self.name)  # fmt: skip
        return value

    def read(self, req: falcon.Request) -> str | None:
        return self.check(self.raw(req))

    def schema(self) -> dict:
        if self.max_length is None:
            return {"type": "string"}
        return {"type": "string", "maxLength": self.max_length}


@dataclass(frozen=True)
class Texts:
    """Strings, repeated (``?site=a&site=b``) or comma-separated (``?site=a,b``); each one of
    ``choices`` when given (the resource checks them, so its message stays its own)."""

    name: str
    description: str
    choices: tuple[str, ...] = ()

    def read(self, req: falcon.Request) -> list[str]:
        return req.get_param_as_list(self.name) or []

    def schema(self) -> dict:
        item: dict = {"type": "string"}
        if self.choices:
            item["enum"] = list(self.choices)
        return {"type": "array", "items": item}


@dataclass(frozen=True)
class Choice:
    """One of ``choices``; anything else is refused as ``NAME must be one of …``."""

    name: str
    description: str
    choices: tuple[str, ...]
    default: str | None = None

    def raw(self, req: falcon.Request, default: str | None = None) -> str | None:
        return req.get_param(self.name, default=default or self.default)

    def check(self, value: str | None) -> str | None:
        if value is not None and value not in self.choices:
            raise InvalidInput(f"{self.name} must be one of {', '.join(self.choices)}",
                               field=self.name)  # fmt: skip
        return value

    def read(self, req: falcon.Request, default: str | None = None) -> str | None:
        return self.check(self.raw(req, default))

    def schema(self) -> dict:
        schema = {"type": "string", "enum": list(self.choices)}
        return schema if self.default is None else {**schema, "default": self.default}


@dataclass(frozen=True)
class Whole:
    """A whole number from ``low`` to ``high`` in ASCII digits (:mod:`exchange.numbers`), or
    ``default`` when absent."""

    name: str
    description: str
    default: int | None
    low: int
    high: int

    def check(self, raw: str | None) -> int | None:
        if raw is None:
            return self.default
        value = whole_number(raw)
        if value is None or not self.low <= value <= self.high:
            raise InvalidInput(f"{self.name} must be a whole number from {self.low} to "
                               f"{self.high}", field=self.name)  # fmt: skip
        return value

    def read(self, req: falcon.Request) -> int | None:
        return self.check(req.get_param(self.name))

    def schema(self) -> dict:
        schema = {"type": "integer", "minimum": self.low, "maximum": self.high}
        return schema if self.default is None else {**schema, "default": self.default}


@dataclass(frozen=True)
class Flag:
    """true or false (Falcon's spellings: true, false, 1, 0, yes, no, …), or ``default``."""

    name: str
    description: str
    default: bool

    def read(self, req: falcon.Request) -> bool:
        return req.get_param_as_bool(self.name, default=self.default)

    def schema(self) -> dict:
        return {"type": "boolean", "default": self.default}


@dataclass(frozen=True)
class Day:
    """A date, YYYY-MM-DD; something else is refused with ``invalid_date``."""

    name: str
    description: str

    def read(self, req: falcon.Request) -> date | None:
        value = req.get_param(self.name)
        if not value:
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise InvalidInput(f"{self.name} must be a date YYYY-MM-DD", code="invalid_date",
                               field=self.name) from None  # fmt: skip

    def schema(self) -> dict:
        return {"type": "string", "format": "date"}
