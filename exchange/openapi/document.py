"""The OpenAPI 3.1 document of an app, made from what serves the API: one operation for each
route and method the app answers (:mod:`~exchange.openapi.routes`), each from its responder's
declaration (:mod:`~exchange.openapi.operations`), and its static files
(:mod:`~exchange.openapi.files`), with the schemas of the types it names
(:mod:`~exchange.openapi.schemas`)."""

from importlib import metadata

import falcon

from exchange.openapi.files import file_operations
from exchange.openapi.operations import operation
from exchange.openapi.routes import routes
from exchange.openapi.schemas import Schemas


def document(app: falcon.App) -> dict:
    """The description of everything ``app`` serves; raises
    :class:`~exchange.openapi.operations.Undeclared` for a route that declares nothing."""
    schemas = Schemas()
    paths: dict[str, dict] = {}
    for route in routes(app):
        paths.setdefault(route.path, {})[route.method] = operation(route, schemas)
    paths.update(file_operations(app, schemas))
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Zhanqun",
            "version": "1",
            "description": metadata.metadata("zhanqun")["Summary"],
        },
        "paths": paths,
        "components": {"schemas": dict(sorted(schemas.components.items()))},
    }
