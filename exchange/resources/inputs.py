"""Request input shared by resources: bodies with a size limit, JSON objects.

Query parameters are declared and read in :mod:`exchange.params`."""

import falcon
import orjson

from exchange.errors import InvalidInput, TooLarge

MAX_ADMIN_BODY = 64 * 1024


def read_body(req: falcon.Request, limit: int) -> bytes:
    """The raw body; refused before reading when it announces more than ``limit`` bytes."""
    if req.content_length is not None and req.content_length > limit:
        raise TooLarge(f"the body is larger than {limit} bytes", code="body_too_large")
    body = req.bounded_stream.read(limit + 1)
    if len(body) > limit:
        raise TooLarge(f"the body is larger than {limit} bytes", code="body_too_large")
    return body


def require_json(req: falcon.Request) -> None:
    content_type = (req.content_type or falcon.MEDIA_JSON).split(";")[0].strip().lower()
    if content_type != falcon.MEDIA_JSON:
        raise falcon.HTTPUnsupportedMediaType(description="send the body as application/json")


def json_object(req: falcon.Request, limit: int = MAX_ADMIN_BODY) -> dict:
    """A small JSON object body (an empty body is an empty object)."""
    require_json(req)
    body = read_body(req, limit)
    if not body.strip():
        return {}
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        raise InvalidInput(f"the body is not valid JSON: {error}", code="malformed_json") from None
    if not isinstance(value, dict):
        raise InvalidInput("the body must be a JSON object", code="not_an_object")
    return value
