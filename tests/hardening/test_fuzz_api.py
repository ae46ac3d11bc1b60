"""Schemathesis against ``/openapi.json``: every operation, a bounded number of generated
requests each (valid and invalid), on the real app over a small indexed cluster with the
operator's key. No answer may be a 5xx, and every answer must be one the description lists,
of the media type and the shape it gives."""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.described import served_document

EXAMPLES = 30
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_description(fuzzed):
    app, _ = fuzzed
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """Every operation with valid input; those with a query or a body with invalid input too
    (a path of plain strings has no invalid value to send)."""
    cases = []
    for path, methods in served_document()["paths"].items():
        for method, operation in methods.items():
            cases.append((path, method, GenerationMode.POSITIVE))
            queried = any(p["in"] == "query" for p in operation.get("parameters", []))
            if queried or "requestBody" in operation:
                cases.append((path, method, GenerationMode.NEGATIVE))
    return cases


CASES = _cases()


@pytest.mark.parametrize(
    ("path", "method", "mode"), CASES, ids=[f"{m} {p} {mode}" for p, m, mode in CASES]
)
def test_no_request_gets_a_server_error_or_an_undescribed_answer(
    api_description, fuzzed, path, method, mode
):
    _, token = fuzzed
    operation = api_description[path][method.upper()]

    @settings(max_examples=EXAMPLES, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy(generation_mode=mode))
    def request(case) -> None:
        if case.query and "wait" in case.query:
            case.query["wait"] = 0  # a long poll would only spend the time budget waiting
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

    request()


def test_the_fuzzer_reaches_every_route_of_the_exchange_and_the_guard(api_description):
    paths = set(api_description.raw_schema["paths"])
    assert {"/v1/records", "/v1/changes", "/v1/records/{site}/{local_id}", "/v1/grants",
            "/v1/review", "/feeds/{site}", "/oai", "/v1/bans", "/v1/search", "/search",
            "/admin/login", "/assets/{name}"} <= paths  # fmt: skip
    assert {path for path, _, _ in CASES} == paths
