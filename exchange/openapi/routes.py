"""The routes an app serves, read from its router: each path and method with the responder
that answers it and the converters of its path segments. Falcon's own responders (OPTIONS,
the 405 of a method a resource lacks) are left out: they are the same on every path."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import falcon
from falcon.routing import BaseConverter

# A field of a URI template, as Falcon writes it: {name}, {name:converter} or
# {name:converter(arguments)}.
_FIELD = re.compile(r"{(?P<name>\w+)(?::(?P<converter>\w+)(?:\((?P<arguments>.*?)\))?)?}")


@dataclass(frozen=True)
class Route:
    template: str  # as added: /v1/bans/{ban_id:whole(min=1, max=2147483647)}
    method: str  # lower case, as OpenAPI writes it
    responder: Callable
    converters: dict[str, BaseConverter] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The path as OpenAPI writes it: /v1/bans/{ban_id}."""
        return _FIELD.sub(lambda m: "{" + m["name"] + "}", self.template)

    @property
    def segments(self) -> list[str]:
        """The names of the path's fields, in order."""
        return [m["name"] for m in _FIELD.finditer(self.template)]

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path}"


def routes(app: falcon.App) -> list[Route]:
    """Every route of ``app`` with a responder of its resource's own, by path and method."""
    found = []
    # The compiled router's tree, walked as falcon.inspect walks it (it keeps no other list).
    nodes = list(app._router._roots)
    while nodes:
        node = nodes.pop()
        nodes.extend(node.children)
        if node.resource is None:
            continue
        for method, responder in (node.method_map or {}).items():
            if not _is_falcons(responder):
                converters = _converters(app, node.uri_template)
                found.append(Route(node.uri_template, method.lower(), responder, converters))
    return sorted(found, key=lambda route: (route.path, route.method))


def _is_falcons(responder: Callable) -> bool:
    return getattr(responder, "__module__", "").startswith("falcon.")


def _converters(app: falcon.App, template: str) -> dict[str, BaseConverter]:
    """The converter of each field that names one, made as the router makes it."""
    made = {}
    for match in _FIELD.finditer(template):
        if match["converter"]:
            kind = app.router_options.converters[match["converter"]]
            made[match["name"]] = app._router._instantiate_converter(kind, match["arguments"])
    return made
