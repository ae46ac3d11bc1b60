"""Every number a request carries is read one way — ASCII digits only — and nothing a client
puts in any parameter of any route is a 5xx: Unicode digits (٣, ６, ¹, ①), signs, spaces and
overlong values get a 400 (a 404 for a path segment), with a JSON error where the route
answers JSON."""

import re
from dataclasses import dataclass
from urllib.parse import quote

import pytest
from falcon import testing
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exchange.dashboard.session import COOKIE
from tests.described import served_document

# Path segments that name something real, for the parameters a case does not vary.
PATH_VALUES = {"site": "530521", "local_id": "r1", "owner": "530521", "grantee": "530500",
               "column": "政策文件", "ban_id": "1"}  # fmt: skip
TRICKY = [
    "6¹", "¹", "٣", "３", "१", "①", "𝟙", "²³", "6\u00b2",  # digits Python counts as digits
    "+1", "-1", "−1", "＋1", "1_0", "1e3", "0x10", "1.0",  # signs and other spellings
    " 1", "1 ", "\u30001", "1\u00a0", "\t1", "",  # spaces, nothing
    "9" * 19, "9" * 5000, "字" * 5000, "%", "\x00",  # overlong, odd bytes
]  # fmt: skip
_ASCII_NUMBER = re.compile(r"[0-9]{1,18}")


def routes() -> list[tuple[str, str, list[str], list[str]]]:
    """(method, path, every parameter, the whole-number ones) of every route."""
    found = []
    for path, methods in served_document()["paths"].items():
        for method, operation in methods.items():
            parameters = operation.get("parameters", [])
            names = [p["name"] for p in parameters]
            numbers = [p["name"] for p in parameters if p["schema"].get("type") == "integer"]
            found.append((method, path, names, numbers))
    return found


ROUTES = routes()
NUMBER_PARAMS = [(m, p, name) for m, p, _, numbers in ROUTES for name in numbers]


@dataclass
class App:
    client: testing.TestClient
    token: str

    def get(self, path: str, key: bool = False, **params):
        headers = {"Authorization": f"Bearer {self.token}"} if key else {}
        return self.client.simulate_get(path, params=params, headers=headers)


@pytest.fixture(scope="module")
def app(fuzzed) -> App:
    """The app of the whole module: no test here changes what the others see."""
    falcon_app, token = fuzzed
    return App(testing.TestClient(falcon_app), token)


def call(app, method: str, path: str, name: str, value: str):
    """``method path`` with ``value`` as parameter ``name`` (a path segment or the query)."""
    segments = {**PATH_VALUES}
    params = {}
    if "{" + name + "}" in path:
        segments[name] = value
    else:
        params[name] = value
    for segment, given_value in segments.items():
        path = path.replace("{" + segment + "}", quote(given_value, safe=""))
    headers = {"Authorization": f"Bearer {app.token}"}
    return app.client.simulate_request(method.upper(), path, params=params, headers=headers)


def assert_refused_as_the_clients_fault(answer, name: str, in_path: bool) -> None:
    if in_path:
        assert answer.status_code == 404, answer.text
        return
    assert answer.status_code == 400, answer.text
    if answer.headers.get("content-type", "").startswith("application/json"):
        assert answer.json["error"]["code"] == "invalid_input"
        assert answer.json["error"]["field"] == name


@pytest.mark.parametrize("value", TRICKY, ids=[repr(v[:12]) for v in TRICKY])
@pytest.mark.parametrize(("method", "path", "name"), NUMBER_PARAMS,
                         ids=[f"{m} {p} {n}" for m, p, n in NUMBER_PARAMS])  # fmt: skip
def test_a_number_parameter_takes_ascii_digits_only(app, method, path, name, value):
    if value == "" and "{" + name + "}" not in path:
        value = " "  # an empty parameter is the same as none: the default applies
    answer = call(app, method, path, name, value)
    assert_refused_as_the_clients_fault(answer, name, "{" + name + "}" in path)


def test_a_superscript_position_on_a_click_is_a_400_not_a_500(app):
    answer = app.client.simulate_get("/click", query_string="r=530521/r1&pos=6%C2%B9")
    assert answer.status_code == 400
    assert answer.json["error"] == {"code": "invalid_input", "field": "pos",
                                    "message": "pos must be a whole number from 1 to 10000"}  # fmt: skip
    assert app.client.simulate_get("/click", query_string="r=530521/r1&pos=6").status_code in (
        303, 404)  # fmt: skip


def test_ascii_digits_still_count(app):
    assert app.get("/v1/search", q="公积金", page="1", size="5").status_code == 200
    assert app.get("/v1/suggest", q="公积", limit="3").status_code == 200
    assert len(app.get("/v1/changes", key=True, limit="0010").json["changes"]) == 10


def test_a_forged_dashboard_cookie_with_a_unicode_expiry_is_no_session(app):
    for expires in ("6¹", "٣٣٣٣٣٣٣٣٣٣", "9" * 5000):
        answer = app.client.simulate_get("/admin", cookies={COOKIE: f"0123456789ab.{expires}.x"})
        assert answer.status_code == 303 and answer.headers["location"].endswith("/admin/login")


PIECES = st.sampled_from(["6", "0", "12", "a", "公", "-", "+", " ", "\u3000", "¹", "٣", "３",
                          "①", "_", ".", "%", "\u0000", "\ud7ff"])  # fmt: skip
VALUES = st.one_of(
    st.lists(PIECES, min_size=1, max_size=5).map("".join),
    st.sampled_from(TRICKY),
    st.text(min_size=1, max_size=12),
)


@settings(max_examples=400, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(route=st.sampled_from(ROUTES), data=st.data())
def test_no_value_in_any_parameter_of_any_route_is_a_server_error(app, route, data):
    method, path, names, numbers = route
    if not names:
        return
    name = data.draw(st.sampled_from(names))
    value = data.draw(VALUES)
    if name == "wait" and _ASCII_NUMBER.fullmatch(value):
        value = "0"  # a long poll would only spend the time budget waiting
    answer = call(app, method, path, name, value)
    assert answer.status_code < 500, (method, path, name, value, answer.text)
    if answer.status_code >= 400 and "json" in answer.headers.get("content-type", ""):
        assert isinstance(answer.json["error"]["code"], str)
    if name in numbers and value and not _ASCII_NUMBER.fullmatch(value):
        assert_refused_as_the_clients_fault(answer, name, "{" + name + "}" in path)
