"""The OpenAPI description is made from the app (exchange/openapi): every route it serves is
described and nothing else, a route that declares nothing cannot be described, and what the
description says of a parameter is what its responder reads and refuses."""

import re
from typing import Annotated
from urllib.parse import quote

import falcon
import pytest
from falcon import testing
from falcon.inspect import inspect_app
from openapi_spec_validator import validate

from exchange.declaring import Answer, declare
from exchange.errors import InvalidInput
from exchange.openapi import Undeclared, document
from exchange.params import Whole
from tests.hardening.test_number_params import PATH_VALUES

SEGMENTS = {**PATH_VALUES, "name": "search.css"}


@pytest.fixture(scope="module")
def described(fuzzed) -> dict:
    app, _ = fuzzed
    return testing.TestClient(app).simulate_get("/openapi.json").json


def operations(described: dict) -> list[tuple[str, str, dict]]:
    return [(path, method, operation) for path, methods in described["paths"].items()
            for method, operation in methods.items()]  # fmt: skip


def concrete(path: str) -> str:
    for name, value in SEGMENTS.items():
        path = path.replace("{" + name + "}", quote(value, safe=""))
    return path


def test_the_description_is_valid_openapi_3_1(described):
    assert described["openapi"] == "3.1.0"
    validate(described)


def test_every_route_the_app_serves_is_described_and_nothing_else(fuzzed, described):
    app, _ = fuzzed
    inspected = inspect_app(app)
    served = {
        (route.path.replace(":path", ""), method.method.lower())
        for route in inspected.routes
        for method in route.methods
        if not method.internal
    }
    served = {(path.split(":")[0] + "}" if ":" in path else path, method)
              for path, method in served}  # fmt: skip
    served |= {(route.prefix.rstrip("/") + "/{name}", "get") for route in inspected.static_routes}
    assert {(path, method) for path, method, _ in operations(described)} == served


def test_a_route_that_declares_nothing_is_not_described_but_named():
    class Declared:
        @declare(answers={200: Answer("A greeting")})
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            """Say hello."""

    class Silent:
        def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
            """Declares no answers."""

    class Unexplained:
        @declare(answers={200: Answer("A greeting")})
        def on_get(self, req: falcon.Request, resp: falcon.Response, who: str) -> None:
            """Say hello to someone, who is not described."""

    app = falcon.App()
    app.add_route("/hello", Declared())
    assert document(app)["paths"]["/hello"]["get"]["summary"] == "Say hello."
    app.add_route("/silent", Silent())
    with pytest.raises(Undeclared, match="GET /silent"):
        document(app)

    app = falcon.App()
    app.add_route("/hello/{who}", Unexplained())
    with pytest.raises(Undeclared, match=re.escape("GET /hello/{who}: the path field who")):
        document(app)


def test_a_declared_parameter_is_described_with_what_it_refuses():
    page = Whole("page", "page number", default=1, low=1, high=7)

    class Paged:
        @declare(query=(page,), answers={200: Answer("A page")}, raises=(InvalidInput,))
        def on_get(
            self, req: falcon.Request, resp: falcon.Response, site: Annotated[str, "a site"]
        ):
            """One page."""
            resp.media = {"page": page.read(req)}

    app = falcon.App()
    app.add_route("/pages/{site}", Paged())
    operation = document(app)["paths"]["/pages/{site}"]["get"]
    assert operation["parameters"] == [
        {"name": "site", "in": "path", "required": True, "description": "a site",
         "schema": {"type": "string", "minLength": 1}},
        {"name": "page", "in": "query", "required": False, "description": "page number",
         "schema": {"type": "integer", "minimum": 1, "maximum": 7, "default": 1}},
    ]  # fmt: skip
    assert set(operation["responses"]) == {"200", "400", "403", "429"}


def test_each_operation_reads_the_query_parameters_it_declares_and_no_other(
    fuzzed, described, monkeypatch
):
    app, token = fuzzed
    read: set[str] = set()
    for reader in [name for name in dir(falcon.Request) if name.startswith("get_param")]:
        original = getattr(falcon.Request, reader)

        def recording(self, name, *args, _original=original, **kwargs):
            read.add(name)
            return _original(self, name, *args, **kwargs)

        monkeypatch.setattr(falcon.Request, reader, recording)
    client = testing.TestClient(app)
    for path, method, operation in operations(described):
        read.clear()
        answer = client.simulate_request(method.upper(), concrete(path),
                                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
        assert answer.status_code < 500, (method, path)
        declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        assert read <= declared, (method, path, read - declared)
        if path != "/oai":  # OAI-PMH reads its arguments from the raw query string
            assert declared <= read, (method, path, declared - read)


def test_the_bounds_of_every_number_parameter_are_the_ones_the_app_keeps(fuzzed, described):
    app, token = fuzzed
    client = testing.TestClient(app)
    checked = 0
    for path, method, operation in operations(described):
        for param in operation.get("parameters", []):
            schema = param["schema"]
            if param["in"] != "query" or schema.get("type") != "integer":
                continue
            for outside in (schema["maximum"] + 1, schema["minimum"] - 1):
                if outside < 0:
                    continue
                answer = client.simulate_request(
                    method.upper(), concrete(path), params={param["name"]: str(outside)},
                    headers={"Authorization": f"Bearer {token}"},
                )  # fmt: skip
                assert answer.status_code == 400, (method, path, param["name"], outside)
                if answer.headers["content-type"].startswith("application/json"):
                    assert answer.json["error"]["field"] == param["name"]
                checked += 1
    assert checked >= 15
