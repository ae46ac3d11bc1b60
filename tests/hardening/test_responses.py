"""What every answer carries and what no answer ever shows: security headers on every
response, whatever its type or status; no traceback, exception or file path in an error;
bad input refused with a 4xx and a stable code, never a 5xx."""

import orjson
import pytest

from exchange.search_service import SearchService

SEARCH = "/v1/search"
EVERY_RESPONSE = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "strict-origin-when-cross-origin",
}


def assert_security_headers(answer) -> None:
    for name, value in EVERY_RESPONSE.items():
        assert answer.headers.get(name) == value, (answer.status, name)
    assert answer.headers.get("x-frame-options") in ("SAMEORIGIN", "DENY"), answer.status


class Boom:
    def on_get(self, req, resp):
        raise RuntimeError(f"cannot read {__file__}: password=hunter2")


def test_every_kind_of_answer_carries_the_security_headers(guarded):
    app = guarded(rate_limits="search=2/minute", auto_ban="abuse=2/10minutes")
    app.client.app.add_route("/boom", Boom())
    answers = [
        app.get(SEARCH, address="203.0.113.1", q="公积金"),  # JSON
        app.get("/search", address="203.0.113.2", q="公积金"),  # HTML page
        app.get("/feeds/530521", address="203.0.113.3"),  # Atom
        app.get("/embed.js", address="203.0.113.4"),  # script
        app.get("/no/such/path", address="203.0.113.5"),  # 404
        app.client.simulate_delete(SEARCH, remote_addr="203.0.113.6"),  # 405
        app.get("/v1/changes", address="203.0.113.7"),  # 401
        app.get("/boom", address="127.0.0.1"),  # 500
    ]
    answers += [app.get(SEARCH) for _ in range(6)]  # 429s, then 403 banned
    assert {a.status_code for a in answers} >= {200, 401, 403, 404, 405, 429, 500}
    for answer in answers:
        assert_security_headers(answer)
        assert "strict-transport-security" not in answer.headers


def test_https_answers_tell_browsers_to_stay_on_https(guarded):
    app = guarded()
    answer = app.client.simulate_get(SEARCH, protocol="https", params={"q": "公积金"})
    assert answer.headers["strict-transport-security"].startswith("max-age=")


def test_an_internal_error_shows_no_traceback_exception_or_path(guarded, monkeypatch):
    app = guarded()
    app.client.app.add_route("/boom", Boom())

    def fail(*args, **kwargs):
        raise OSError(2, "No such file or directory", "/srv/zhanqun/data/index/gen-000001/x.seg")

    monkeypatch.setattr(SearchService, "answer", fail)
    for answer in (app.get("/boom"), app.get(SEARCH, q="公积金"), app.get("/search", q="公积金")):
        assert answer.status_code == 500
        assert answer.json == {
            "error": {
                "code": "internal_error",
                "message": "the server failed to answer; it has been logged",
            }
        }
        for leak in ("Traceback", "Error", "/srv", ".py", ".seg", "hunter2", "line "):
            assert leak not in answer.text


def bearer(app, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {app.keys[who]}", "Content-Type": "application/json"}


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/v1/records", b'{"items": ' + b"[" * 100_000 + b"]" * 100_000 + b"}", 400,
         "malformed_json"),
        ("/v1/records", b'{"items": [{"id": "1", "title": "t", "body": "b"}], "site": 7}', 400,
         "invalid_input"),
        ("/v1/records", b"\xff\xfe{}", 400, "invalid_utf8"),
        ("/v1/records", b'{"items": [1e999999]}', 400, "malformed_json"),
        ("/v1/bans", b'{"address": "' + b"1" * 70_000 + b'"}', 413, "body_too_large"),
        ("/v1/bans", b'{"address": "203.0.113.1", "duration": "forever"}', 400,
         "invalid_input"),
        ("/v1/review/530521/x", b'{"decision": "release", "note": "' + b"n" * 600 + b'"}',
         400, "invalid_input"),
    ],
)  # fmt: skip
def test_bad_bodies_are_refused_with_a_stable_code(guarded, path, body, status, code):
    app = guarded()
    answer = app.client.simulate_post(path, body=body, headers=bearer(app, "operator"))
    assert (answer.status_code, answer.json["error"]["code"]) == (status, code), answer.text


def test_each_field_of_a_record_is_bounded(guarded):
    app = guarded()
    items = [
        {"id": "ok", "title": "标题", "body": "正文"},
        {"id": "long-title", "title": "长" * 501, "body": "正文"},
        {"id": "x" * 129, "title": "标题", "body": "正文"},
        {"id": "long-url", "title": "标题", "body": "正文", "url": "https://a.cn/" + "a" * 2100},
        # PostgreSQL cannot store a NUL: refused on every engine, as the item's own fault.
        {"id": "nul", "title": "标\u0000题", "body": "正文"},
    ]
    results = app.push("county", items).json["results"]
    assert [r["outcome"] for r in results] == ["created"] + ["rejected"] * 4
    assert [r.get("field") for r in results[1:]] == ["title", "id", "url", "title"]
    assert results[-1]["code"] == "invalid_character"


@pytest.mark.parametrize(
    ("path", "params", "code"),
    [
        (SEARCH, {"q": "字" * 257}, "query_too_long"),
        (SEARCH, {"q": " ".join(["公积金"] * 40)}, "query_too_complex"),
        (SEARCH, {"page": "99999999999999999999"}, "invalid_input"),
        (SEARCH, {"q": "公积金", "issuer": "办公室," + "局" * 257}, "too_long"),
        ("/v1/suggest", {"q": "字" * 100}, "query_too_long"),
        ("/v1/stats", {"from": "2024-13-45"}, "invalid_input"),
    ],
)
def test_oversized_or_malformed_queries_are_refused_with_a_stable_code(guarded, path, params, code):
    answer = guarded().get(path, **params)
    assert answer.status_code == 400 and answer.json["error"]["code"] == code, answer.text


def test_the_openapi_description_names_the_rate_limit_and_ban_answers(guarded):
    spec = orjson.loads(guarded().get("/openapi.json").content)
    for path in ("/v1/search", "/v1/records", "/v1/changes"):
        for method, operation in spec["paths"][path].items():
            assert {"403", "429"} <= set(operation["responses"]), (path, method)
