"""The OpenAPI description of the service (``/openapi.json``): ``document`` (the whole
document, search, suggest and supervision), ``exchange`` (push, pull, keys, review) and
``guard`` (bans and the rate limiter's answers)."""

from exchange.openapi.document import spec

__all__ = ["spec"]
