"""One OpenAPI operation from one route: the responder's docstring (summary, description), the
path's fields (their schemas from the route's converters, their meaning from the responder's
signature), its declaration (:mod:`exchange.declaring`: query parameters, body, answers,
errors), the key its hook asks for (:class:`exchange.auth.KeyCheck`) and the guard's answers.
"""

import inspect
import typing

import falcon

from exchange.declaring import JSON, Answer, Declaration, Param
from exchange.engine_errors import ENGINE_ERRORS
from exchange.errors import ErrorAnswer, Forbidden, InvalidInput, Unauthorized, ZhanqunError
from exchange.openapi.guard import guard_errors
from exchange.openapi.routes import Route
from exchange.openapi.schemas import Schemas, markdown


class Undeclared(LookupError):
    """A route's responder says nothing of what it takes and answers."""


def operation(route: Route, schemas: Schemas) -> dict:
    declaration: Declaration | None = getattr(route.responder, "declaration", None)
    doc = inspect.getdoc(route.responder)
    if declaration is None or not doc:
        raise Undeclared(f"{route}: {route.responder.__qualname__} needs a docstring and "
                         "@declare(…) (exchange/declaring.py)")  # fmt: skip
    key = getattr(route.responder, "key_check", None)
    if key is not None:
        summary, _, description = doc.partition("\n\n")
        doc = f"{summary}\n\n{key.describe()} {description}".strip()
    errors = [*declaration.raises, *((Unauthorized, Forbidden) if key is not None else ())]
    return described(route.path, doc, _path_parameters(route), declaration, errors, schemas)


def described(
    path: str,
    doc: str,
    path_parameters: list[dict],
    declaration: Declaration,
    errors: list[type[Exception]],
    schemas: Schemas,
) -> dict:
    """The operation on ``path`` that ``doc`` describes, taking ``path_parameters`` and what
    ``declaration`` declares, answering its answers and ``errors``."""
    summary, _, description = markdown(doc).partition("\n\n")
    found = {"summary": " ".join(summary.split())}
    if description:
        found["description"] = " ".join(description.split())
    parameters = path_parameters + [_query_parameter(p) for p in declaration.query]
    if parameters:
        found["parameters"] = parameters
    body = declaration.body
    if body is not None:
        found["requestBody"] = {
            "required": body.required,
            "content": {body.media: {"schema": schemas.of(body.fields)}},
        }
    texts = [p for p in parameters if p["in"] == "query" or p["schema"].get("type") == "string"]
    if texts or body is not None:
        # A value no check foresaw that the database refuses (exchange/app.py) is a 400 too.
        errors = [*errors, InvalidInput]
    answers: dict[int, list[Answer]] = {}
    for status, given in declaration.answers.items():
        answers.setdefault(status, []).extend(given if isinstance(given, tuple) else [given])
    for error in dict.fromkeys(errors):
        answers.setdefault(_status_of(error), []).append(Answer(_first_line(error), ErrorAnswer))
    for status, description in guard_errors(path).items():
        answers.setdefault(status, []).append(Answer(description, ErrorAnswer))
    found["responses"] = {str(s): _response(answers[s], schemas) for s in sorted(answers)}
    return found


def _path_parameters(route: Route) -> list[dict]:
    hints = typing.get_type_hints(route.responder, include_extras=True)
    found = []
    for name in route.segments:
        hint = hints.get(name)
        if typing.get_origin(hint) is not typing.Annotated:
            raise Undeclared(f"{route}: the path field {name} needs its meaning in the "
                             "responder's signature (Annotated[str, '…'])")  # fmt: skip
        schema = path_schema(hint, route.converters.get(name))
        description = schema.pop("description")
        found.append({"name": name, "in": "path", "required": True, "schema": schema,
                      "description": description})  # fmt: skip
    return found


def path_schema(hint: typing.Any, converter: object) -> dict:
    """A path field's schema: its converter's (a whole number's bounds), else its hint's; a
    segment is never empty."""
    schema = Schemas().of(hint)
    if hasattr(converter, "schema"):
        return {**converter.schema(), "description": schema["description"]}
    return {**schema, "minLength": schema.get("minLength", 1)}


def _query_parameter(param: Param) -> dict:
    schema = param.schema()
    found = {"name": param.name, "in": "query", "required": False, "schema": schema,
             "description": param.description}  # fmt: skip
    if schema.get("type") == "array":
        # Falcon reads a list from a repeated parameter or from commas (auto_parse_qs_csv).
        found["style"], found["explode"] = "form", False
    return found


def _response(answers: list[Answer], schemas: Schemas) -> dict:
    descriptions = list(dict.fromkeys(answer.description for answer in answers))
    found: dict = {"description": " Or: ".join(descriptions)}
    content: dict[str, dict] = {}
    for answer in answers:
        media = answer.media.split(";")[0].strip()
        if media != JSON:
            content[media] = {"schema": {"type": "string"}}
        elif answer.body is not None:
            schema = schemas.of(answer.body)
            if content.get(JSON, {"schema": schema})["schema"] != schema:
                raise Undeclared(f"two JSON bodies for one status: {descriptions}")
            content[JSON] = {"schema": schema}
    if content:
        found["content"] = content
    return found


def _status_of(error: type[Exception]) -> int:
    """The status an error is answered with (exchange/app.py's error handlers)."""
    if issubclass(error, ZhanqunError):
        return error.status
    if error in ENGINE_ERRORS:
        return ENGINE_ERRORS[error].status
    if issubclass(error, falcon.HTTPError):
        return error().status_code
    raise Undeclared(f"no error handler answers {error.__name__}")


def _first_line(error: type[Exception]) -> str:
    return " ".join(markdown(error.__doc__ or error.__name__).strip().split("\n\n")[0].split())
