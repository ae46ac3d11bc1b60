"""JSON schemas made from type hints: the TypedDicts the code builds its answers as and reads
its bodies as. Each TypedDict is a named component (``#/components/schemas/``) with its
docstring as description; ``Annotated`` adds what a hint cannot say: a string is the
description, a :class:`~exchange.json_schema.Schema` more JSON-schema keywords (bounds,
formats, the values it may take).

>>> from typing import TypedDict
>>> class Link(TypedDict):
...     '''A record named by its site.'''
...     site: Annotated[str, "a site code"]
...     url: NotRequired[Annotated[str, Schema(maxLength=2048)]]
...     kind: Literal["guide", "notice"] | None
>>> schemas = Schemas()
>>> schemas.of(list[Link])
{'type': 'array', 'items': {'$ref': '#/components/schemas/Link'}}
>>> schemas.components["Link"]["required"]
['site', 'kind']
>>> schemas.components["Link"]["properties"]["kind"]
{'type': ['string', 'null'], 'enum': ['guide', 'notice', None]}
"""

import re
import types
import typing
from typing import Annotated, Any, Literal, NotRequired, Required

from exchange.json_schema import Schema

_ROLE = re.compile(r":\w+:`~?([^`]+)`")
_SCALARS = {str: "string", int: "integer", float: "number", bool: "boolean", type(None): "null"}
_REF = "#/components/schemas/"


class Schemas:
    """Schemas of hints, collecting the components they refer to."""

    def __init__(self) -> None:
        self.components: dict[str, dict] = {}
        self._named: dict[str, type] = {}

    def of(self, hint: Any) -> dict:
        origin, args = typing.get_origin(hint), typing.get_args(hint)
        if origin is Annotated:
            return self._annotated(args[0], args[1:])
        if origin in (Required, NotRequired):
            return self.of(args[0])
        if hint in _SCALARS:
            return {"type": _SCALARS[hint]}
        if origin is Literal:
            kinds = sorted({_SCALARS[type(value)] for value in args})
            return {"type": kinds[0] if len(kinds) == 1 else kinds, "enum": list(args)}
        if origin in (types.UnionType, typing.Union):
            return self._union(args)
        if origin is list:
            return {"type": "array", "items": self.of(args[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(args[1])}
        if hint is dict:
            return {"type": "object"}
        if typing.is_typeddict(hint):
            return self._component(hint)
        raise TypeError(f"no JSON schema for {hint!r}")

    def _annotated(self, hint: Any, notes: tuple) -> dict:
        schema = dict(self.of(hint))
        for note in notes:
            if isinstance(note, str):
                schema["description"] = note
            elif isinstance(note, Schema):
                schema.update(note.as_dict())
        return schema

    def _union(self, members: tuple) -> dict:
        """``X | None`` of a plain X is X's type or null; any other union, any of them."""
        schemas = [self.of(member) for member in members]
        given = [schema for schema in schemas if schema != {"type": "null"}]
        if len(given) == 1 < len(schemas) and isinstance(given[0].get("type"), str):
            nullable = {**given[0], "type": [given[0]["type"], "null"]}
            if "enum" in nullable:
                nullable["enum"] = [*nullable["enum"], None]
            return nullable
        return {"anyOf": schemas}

    def _component(self, cls: type) -> dict:
        name = cls.__name__
        if self._named.setdefault(name, cls) is not cls:
            raise TypeError(f"two types are named {name}: {cls!r}, {self._named[name]!r}")
        if name not in self.components:
            self.components[name] = self._object(cls)
        return {"$ref": _REF + name}

    def _object(self, cls: type) -> dict:
        hints = typing.get_type_hints(cls, include_extras=True)
        schema: dict = {"type": "object"}
        doc = cls.__dict__.get("__doc__")
        if doc:
            schema["description"] = " ".join(markdown(doc).split())
        schema["properties"] = {name: self.of(hint) for name, hint in hints.items()}
        required = [name for name in hints if name in cls.__required_keys__]
        if required:
            schema["required"] = required
        return schema


def markdown(text: str) -> str:
    """Docstrings write code as reStructuredText (``x``, :class:`x`); OpenAPI reads Markdown."""
    return _ROLE.sub(r"`\1`", text).replace("``", "`")
