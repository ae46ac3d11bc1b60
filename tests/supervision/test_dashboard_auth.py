"""The dashboard behind its login: no session, no dashboard; a key typed once becomes a
signed, HttpOnly, Secure, SameSite=Strict cookie; the key never travels in a URL."""

from datetime import UTC, datetime, timedelta

import pytest

from exchange.dashboard.session import COOKIE, Sessions
from exchange.store.keys import revoke_key, rotate_key
from tests.conftest import record

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def bearer_token(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def log_in(client, token: str, **headers: str):
    return client.simulate_post("/admin/login", body=f"key={token}", headers={**FORM, **headers})


@pytest.fixture
def admin_token(key) -> str:
    return bearer_token(key("admin"))


def test_without_a_session_the_dashboard_sends_the_browser_to_the_login_page(client):
    response = client.simulate_get("/admin")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login"
    login = client.simulate_get("/admin/login")
    assert login.status_code == 200
    assert '<form method="post" action="/admin/login">' in login.text
    assert 'type="password"' in login.text
    forged = client.simulate_get("/admin", cookies={COOKIE: "0123456789ab.9999999999.forged"})
    assert forged.status_code == 303


def test_a_wrong_key_or_a_key_without_cluster_admin_is_refused(client, key):
    refused = log_in(client, "zq_000000000000." + "A" * 43)
    assert refused.status_code == 401
    assert "密钥无效" in refused.text and "set-cookie" not in refused.headers
    assert log_in(client, "not a key").status_code == 401
    assert log_in(client, bearer_token(key("admin", site="530521"))).status_code == 403
    assert log_in(client, bearer_token(key("push,pull"))).status_code == 403
    assert client.simulate_post("/admin/login", body="", headers=FORM).status_code == 400


def test_a_good_key_becomes_a_strict_session_cookie_and_shows_the_dashboard(zq, client,
                                                                          admin_token):  # fmt: skip
    zq.push("530500", record("1", "公积金", published="2024-05-01"))
    response = log_in(client, admin_token)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.cookies[COOKIE]
    assert cookie.http_only and cookie.secure
    assert cookie.same_site == "Strict" and cookie.path == "/admin"
    assert 0 < cookie.max_age <= 8 * 3600
    assert admin_token not in cookie.value and admin_token not in response.headers["location"]
    page = client.simulate_get("/admin", cookies={COOKIE: cookie.value})
    assert page.status_code == 200
    assert page.text.count("<svg") >= 6 and "站群监管看板" in page.text
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "unsafe-inline" not in policy
    assert page.headers["cache-control"] == "no-store"
    assert "<script" not in page.text


def test_a_session_ends_with_logout_expiry_rotation_or_revocation(zq, client, key):
    headers = key("admin")
    token = bearer_token(headers)
    sessions = Sessions(zq.store)
    cookie = sessions.log_in(token)
    assert sessions.check(cookie) is not None
    assert sessions.check(cookie, now=datetime.now(UTC) + timedelta(hours=9)) is None
    key_id, expires, signature = cookie.split(".")
    assert sessions.check(f"{key_id}.{int(expires) + 3600}.{signature}") is None  # tampered
    logout = client.simulate_post("/admin/logout", cookies={COOKIE: cookie})
    assert logout.status_code == 303 and logout.cookies[COOKIE].value == ""
    rotate_key(zq.store, key_id, "test")
    assert sessions.check(cookie) is None
    second = key("admin")
    cookie = sessions.log_in(bearer_token(second))
    revoke_key(zq.store, cookie.split(".")[0], "test")
    assert sessions.check(cookie) is None


def test_forms_posted_from_another_site_are_refused(client, admin_token):
    response = log_in(client, admin_token, Origin="https://evil.example")
    assert response.status_code == 403
    assert log_in(client, admin_token, Origin="http://falconframework.org").status_code == 303


def test_what_citizens_typed_is_shown_as_text(zq, client, search_log, admin_token):
    zq.push("530500", record("1", "公积金"))
    zq.index()
    client.simulate_get("/v1/search", params={"q": "<script>alert(1)</script>"})
    search_log.flush()
    cookie = log_in(client, admin_token).cookies[COOKIE].value
    page = client.simulate_get("/admin", cookies={COOKIE: cookie}).text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
