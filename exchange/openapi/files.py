"""The app's static routes (``add_static_route``): a GET of one file of a directory, answered
in the media type of the file."""

import mimetypes
from pathlib import Path
from typing import Annotated

import falcon
from falcon.inspect import inspect_static_routes

from exchange.declaring import Answer, Declaration
from exchange.errors import NotFound
from exchange.openapi.operations import described, path_schema
from exchange.openapi.schemas import Schemas

FileName = Annotated[str, "the file's name"]


def file_operations(app: falcon.App, schemas: Schemas) -> dict[str, dict]:
    """``{prefix}/{name}`` of every static route, as OpenAPI paths and their one operation."""
    paths = {}
    for route in inspect_static_routes(app):
        files = sorted(p.name for p in Path(route.directory).iterdir() if p.is_file())
        media = dict.fromkeys(mimetypes.guess_type(name)[0] for name in files)
        path = f"{route.prefix.rstrip('/')}/{{name}}"
        name = {"name": "name", "in": "path", "required": True}
        schema = path_schema(FileName, None)
        parameter = {**name, "description": schema.pop("description"), "schema": schema}
        doc = f"A file of the pages: {', '.join(files)}."
        declaration = Declaration(answers={200: tuple(Answer("The file", media=m) for m in media)})
        paths[path] = {"get": described(path, doc, [parameter], declaration, [NotFound], schemas)}
    return paths
