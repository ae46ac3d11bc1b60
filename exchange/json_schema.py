"""What a type hint cannot say about a value — bounds, formats, the values it may take — said
in JSON-schema keywords inside ``Annotated``, for the OpenAPI description
(:mod:`exchange.openapi.schemas`): ``Annotated[str, Schema(maxLength=128)]``. A plain string
in ``Annotated`` is the value's description.

Hashable, unlike a dict, so that annotated types can be combined (``Moment | None``):

>>> Schema(enum=["a", "b"], maxLength=1).as_dict()
{'enum': ['a', 'b'], 'maxLength': 1}
>>> Schema(maxLength=1) == Schema(maxLength=1)
True
"""

from typing import Annotated, Any


class Schema:
    __slots__ = ("_items",)

    def __init__(self, **keywords: Any) -> None:
        self._items = tuple(
            (name, tuple(value) if isinstance(value, list | tuple) else value)
            for name, value in keywords.items()
        )

    def as_dict(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in self._items}

    def __hash__(self) -> int:
        return hash(self._items)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and other._items == self._items

    def __repr__(self) -> str:
        return f"Schema({', '.join(f'{name}={value!r}' for name, value in self.as_dict().items())})"


# Times and days written as ISO 8601 text (datetime.isoformat, date.isoformat).
DateTime = Annotated[str, Schema(format="date-time")]
Date = Annotated[str, Schema(format="date")]
