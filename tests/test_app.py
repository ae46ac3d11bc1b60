"""The HTTP layer through Falcon's test client, on the real app with a real store and index."""

import pytest
from falcon import testing

from exchange.app import create_app
from tests.conftest import record


@pytest.fixture
def client(zq):
    zq.push(
        "530500",
        record(
            "1",
            "保山市住房公积金管理办法",
            "住房公积金缴存和提取。",
            url="https://www.baoshan.gov.cn/1.html",
            doc_type="政府文件",
            index_no="11530500015173411X/2024-00012",
            doc_no="保政发〔2024〕1号",
        ),
    )
    zq.push("530521", record("2", "施甸县公积金提取指南", "租房提取公积金。"))
    zq.index()
    return testing.TestClient(create_app(zq.config, zq.store, zq.reader))


def test_search_returns_hits_with_highlights_and_facets(client):
    body = client.simulate_get("/v1/search", params={"q": "公积金"}).json
    assert body["total"] == 2
    first = next(hit for hit in body["hits"] if hit["site"] == "530500")
    assert first["id"] == "1"
    assert first["site_name"] == "保山市人民政府" and first["tier"] == "city"
    # 公积金 and 住房公积金 are synonyms: the whole official name is marked.
    assert first["title"] == "保山市<mark>住房公积金</mark>管理办法"
    assert first["published"] == "2024-05-01T00:00:00+08:00"
    assert first["disclosure"] == {
        "index_no": "11530500015173411X/2024-00012",
        "doc_no": "保政发〔2024〕1号",
    }
    assert body["facets"]["tier"] == {"city": 1, "county": 1}


def test_scope_branch_and_site(client):
    branch = client.simulate_get(
        "/v1/search", params={"q": "公积金", "site": "530521", "scope": "branch"}
    ).json
    assert [h["id"] for h in branch["hits"]] == ["2"]
    whole = client.simulate_get(
        "/v1/search", params={"q": "公积金", "site": "530521", "scope": "cluster"}
    ).json
    assert whole["total"] == 2


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"page": "abc"}, 400, "invalid_input"),
        ({"size": "500"}, 400, "invalid_input"),
        ({"page": "200", "size": "50"}, 400, "page_too_deep"),
        ({"q": "字" * 300}, 400, "query_too_long"),
        ({"scope": "branch"}, 400, "missing_field"),
        ({"site": "nope"}, 400, "unknown_site"),
        ({"from": "2024-99-01"}, 400, "invalid_date"),
        ({"sort": "random"}, 400, "invalid_input"),
        ({"tier": "galaxy"}, 400, "invalid_input"),
    ],
)
def test_bad_parameters_get_json_errors_with_stable_codes(client, params, status, code):
    response = client.simulate_get("/v1/search", params=params)
    assert response.status_code == status
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_unknown_route_and_method(client):
    missing = client.simulate_get("/v2/nothing")
    assert missing.status_code == 404 and missing.json["error"]["code"] == "not_found"
    wrong = client.simulate_post("/v1/search")
    assert wrong.status_code == 405 and wrong.json["error"]["code"] == "method_not_allowed"


def test_health(client):
    body = client.simulate_get("/healthz").json
    assert body == {"status": "ok", "checks": {"store": "ok", "index": "ok"}, "generation": 1}


def test_search_before_the_first_index_run_is_a_clear_503(config, cluster):
    from indexer.engine.searching import IndexReader

    client = testing.TestClient(create_app(config, cluster, IndexReader(config.index_dir)))
    response = client.simulate_get("/v1/search", params={"q": "公积金"})
    assert response.status_code == 503
    assert response.json["error"]["code"] == "index_unavailable"
    assert client.simulate_get("/healthz").status_code == 503


def test_openapi_describes_every_search_parameter_the_app_accepts(client):
    spec = client.simulate_get("/openapi.json").json
    assert spec["openapi"].startswith("3.")
    described = {p["name"] for p in spec["paths"]["/v1/search"]["get"]["parameters"]}
    assert {"q", "site", "scope", "tier", "column", "doc_type", "from", "to", "sort",
            "page", "size", "facets", "exact"} <= described  # fmt: skip
    for path in ("/v1/search", "/v1/suggest", "/healthz"):
        assert path in spec["paths"]
        response = client.simulate_get(path, params={"q": "公积金"} if "v1" in path else None)
        assert str(response.status_code) in spec["paths"][path]["get"]["responses"]
