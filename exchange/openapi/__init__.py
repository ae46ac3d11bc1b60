"""The OpenAPI description of the service (``/openapi.json``), made from the app itself:
``routes`` (what the router serves), ``operations`` (each responder's declaration),
``schemas`` (JSON schemas of the types it names), ``guard`` (the guard's answers on every
path) and ``document`` (all of it)."""

from exchange.openapi.document import document
from exchange.openapi.operations import Undeclared

__all__ = ["Undeclared", "document"]
