"""What a responder takes and answers, declared on it: the query parameters it reads
(:mod:`exchange.params`), the body it accepts, the answers it gives and the errors it raises.
The OpenAPI description (:mod:`exchange.openapi`) is made from these declarations and the
app's routes; the responder's docstring is the operation's summary (first line) and
description (the rest).

>>> from typing import TypedDict
>>> class Greeting(TypedDict):
...     text: str
>>> class GreetingResource:
...     @declare(answers={200: Answer("A greeting", Greeting)})
...     def on_get(self, req, resp):
...         '''Say hello.'''
>>> GreetingResource.on_get.declaration.answers[200].description
'A greeting'
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any, Protocol

import falcon

JSON = falcon.MEDIA_JSON
FORM = falcon.MEDIA_URLENCODED
HTML = falcon.MEDIA_HTML

# Path fields several routes share; a responder's signature names them, and the description
# reads each field's schema and meaning from there.
SiteCode = Annotated[str, "a site code"]


class Param(Protocol):
    """A query parameter: :mod:`exchange.params`' kinds and the search filters."""

    name: str
    description: str

    def schema(self) -> dict: ...


@dataclass(frozen=True)
class Answer:
    """An answer of one status: JSON of type ``body`` (a TypedDict, a list of one, …), or
    ``media`` of another type (then a document, a page, a script as text), or nothing."""

    description: str
    body: Any = None
    media: str = JSON


@dataclass(frozen=True)
class Body:
    """A request body: JSON (or a form, ``media=FORM``) of type ``fields``, a TypedDict."""

    fields: type
    media: str = JSON
    required: bool = True


@dataclass(frozen=True)
class Declaration:
    query: tuple[Param, ...] = ()
    body: Body | None = None
    # By status; several answers of one status in several media types (a page or a JSON error).
    answers: Mapping[int, Answer | tuple[Answer, ...]] = field(default_factory=dict)
    raises: tuple[type[Exception], ...] = ()


def declare(
    *,
    answers: Mapping[int, Answer | tuple[Answer, ...]],
    query: tuple[Param, ...] = (),
    body: Body | None = None,
    raises: tuple[type[Exception], ...] = (),
) -> Callable:
    """Mark a responder with what it takes and answers (``responder.declaration``)."""

    def mark(responder: Callable) -> Callable:
        responder.declaration = Declaration(query, body, answers, raises)
        return responder

    return mark
