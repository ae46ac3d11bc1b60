"""CORS: browsers on a registered cluster site's origin may call the JSON API; no other."""

import pytest
from falcon import testing

from exchange.app import create_app
from exchange.cors import cluster_origins, origin_of
from exchange.store.sites import Site, set_site_state

ALLOWED = "https://530521.example.gov.cn"  # the base_url of 施甸县 in tests/conftest.py


@pytest.fixture
def client(zq):
    zq.index()
    return testing.TestClient(create_app(zq.config, zq.store, zq.reader))


def preflight(client, origin: str, path: str = "/v1/records") -> testing.Result:
    headers = {
        "Origin": origin,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type",
    }
    return client.simulate_options(path, headers=headers)


def test_a_cluster_site_origin_may_read_the_api(client):
    result = client.simulate_get("/v1/suggest", params={"q": "公"}, headers={"Origin": ALLOWED})
    assert result.status_code == 200
    assert result.headers["access-control-allow-origin"] == ALLOWED
    assert "Origin" in result.headers["vary"]
    assert "access-control-allow-credentials" not in result.headers


def test_any_other_origin_gets_no_cors_headers(client):
    for origin in ("https://evil.example.com", "http://530521.example.gov.cn", "null"):
        result = client.simulate_get("/v1/search", headers={"Origin": origin})
        assert "access-control-allow-origin" not in result.headers, origin
        assert "Origin" in result.headers["vary"]


def test_preflight_allowed_for_cluster_sites_refused_for_others(client):
    allowed = preflight(client, ALLOWED)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in allowed.headers["access-control-allow-methods"]
    assert "Authorization" in allowed.headers["access-control-allow-headers"]
    refused = preflight(client, "https://evil.example.com")
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in refused.headers


def test_errors_carry_cors_headers_so_the_widget_can_read_them(client):
    result = client.simulate_get("/v1/search", params={"page": "x"}, headers={"Origin": ALLOWED})
    assert result.status_code == 400
    assert result.headers["access-control-allow-origin"] == ALLOWED


def test_a_closed_site_loses_its_origin(client, zq):
    set_site_state(zq.store, "530521", "closed")
    app = create_app(zq.config, zq.store, zq.reader)
    result = testing.TestClient(app).simulate_get("/v1/search", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in result.headers


def test_pages_and_feeds_are_not_cors_resources(client):
    page = client.simulate_get("/search", headers={"Origin": ALLOWED})
    assert "access-control-allow-origin" not in page.headers


def test_origins_are_normalised_from_base_urls():
    assert origin_of("https://WWW.Baoshan.gov.cn:443/index.html") == "https://www.baoshan.gov.cn"
    assert origin_of("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert origin_of("") is None and origin_of("ftp://x.cn") is None
    assert origin_of("https://x.cn:notaport/") is None
    sites = {
        "a": Site("a", "A", "city", None, "https://a.gov.cn/home/", "open"),
        "b": Site("b", "B", "county", "a", "", "open"),
        "c": Site("c", "C", "county", "a", "https://c.gov.cn", "closed"),
    }
    assert cluster_origins(sites) == frozenset({"https://a.gov.cn"})
