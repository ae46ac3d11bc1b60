"""Search analytics over HTTP: top and zero-result queries and their trend, per site and
period; clicks reported by the results page; who may see them."""

from datetime import datetime

import pytest

from exchange.store import tables
from tests.conftest import record


def searched(zq, at: str, query: str, results: int, site: str | None = None) -> None:
    row = {"at": datetime.fromisoformat(at), "query": query, "site": site, "scope": "site",
           "results": results, "took_ms": 3, "corrected_to": ""}  # fmt: skip
    with zq.store.write() as conn:
        conn.execute(tables.search_log.insert().values(**row))


@pytest.fixture
def logged(zq):
    for _ in range(3):
        searched(zq, "2024-06-03T02:00:00", "公积金", 5, "530500")
    searched(zq, "2024-06-04T02:00:00", "森林防火", 2, "530521")
    searched(zq, "2024-06-03T02:00:00", "不存在的事", 0, "530521")
    searched(zq, "2024-06-05T02:00:00", "不存在的事", 0, "530521100")
    # 17:00 UTC on Sunday June 9th is 01:00 on Monday June 10th in Baoshan: the next week.
    searched(zq, "2024-06-09T17:00:00", "不存在的事", 0, "530521")
    return zq


def report(client, headers, **params):
    response = client.simulate_get("/v1/analytics/searches", params=params, headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def test_top_and_zero_result_queries_with_their_trend_by_week(logged, client, key):
    span = {"from": "2024-06-01", "to": "2024-06-16", "period": "week"}
    body = report(client, key("admin"), **span)
    assert body["periods"] == ["2024-05-27", "2024-06-03", "2024-06-10"]
    assert body["trend"] == {"searches": [0, 6, 1], "zero_results": [0, 2, 1], "clicks": [0, 0, 0]}
    assert body["totals"] == {"searches": 7, "zero_results": 3, "clicks": 0}
    assert [(q["query"], q["searches"], q["zero_results"]) for q in body["top"]] == [
        ("不存在的事", 3, 3),
        ("公积金", 3, 0),
        ("森林防火", 1, 0),
    ]  # ties: by the query
    (zero,) = body["zero_results"]
    assert zero["query"] == "不存在的事" and zero["counts"] == [0, 2, 1]
    assert zero["last"] == "2024-06-10T01:00:00+08:00"


def test_per_site_and_per_day(logged, client, key):
    body = report(client, key("admin"), site="530521", period="day",
                  **{"from": "2024-06-03", "to": "2024-06-10"})  # fmt: skip
    assert body["site"] == "530521"
    assert {q["query"] for q in body["top"]} == {"森林防火", "不存在的事"}
    assert body["trend"]["searches"] == [1, 1, 0, 0, 0, 0, 0, 1]


def test_who_may_see_search_analytics(logged, client, key):
    path = "/v1/analytics/searches"
    assert client.simulate_get(path).status_code == 401
    assert client.simulate_get(path, headers=key("pull")).status_code == 403
    county = key("admin", site="530521")
    # A county's operator sees its own box by default, and those of the sites below it.
    span = {"from": "2024-06-01", "to": "2024-06-16"}
    assert report(client, county, **span)["site"] == "530521"
    assert report(client, county, site="530521100", **span)["totals"]["searches"] == 1
    refused = client.simulate_get(path, params={"site": "530500"}, headers=county)
    assert refused.status_code == 403
    assert refused.json["error"]["code"] == "site_not_overseen"


def test_clicks_from_the_results_page_are_counted_with_their_query(zq, client, search_log, key):
    url = "https://www.baoshan.gov.cn/gjj/1.html"
    zq.push("530500", record("1", "住房公积金提取办法", url=url),
            record("2", "内部通知", url="https://www.baoshan.gov.cn/2.html", public=False))  # fmt: skip
    zq.index()
    client.simulate_get("/v1/search", params={"q": "公积金", "site": "530500"})
    search_log.flush()
    click = {"q": "公积金", "r": "530500/1", "pos": "1", "site": "530500"}
    redirect = client.simulate_get("/click", params=click)
    assert redirect.status_code == 303 and redirect.headers["location"] == url
    assert client.simulate_post("/v1/clicks", params=click).status_code == 204
    for bad, status in (({"r": "530500/2"}, 404), ({"r": "530500/none"}, 404),
                        ({"r": "530500"}, 400), ({"pos": "0"}, 400)):  # fmt: skip
        assert client.simulate_get("/click", params={**click, **bad}).status_code == status
    body = report(client, key("admin"), site="530500")
    assert body["top"] == [{"query": "公积金", "searches": 1, "zero_results": 0, "clicks": 2}]
    assert body["totals"]["clicks"] == 2 and body["trend"]["clicks"][-1] == 2


def test_inspection_over_http_for_the_cluster_and_for_a_branch(zq, client, key):
    everything = client.simulate_get("/v1/inspection", headers=key("admin")).json
    assert everything["sites_inspected"] == 5
    county = key("admin", site="530521")
    branch = client.simulate_get("/v1/inspection", headers=county).json
    assert {s["site"] for s in branch["sites"]} == {"530521", "530521100"}
    assert all(s["verdict"] == "fail" for s in branch["sites"])  # nothing published yet
    assert branch["rules"] == "news=2w,notice=6m,long=1y,stale=5,long_stale=10,empty=5"
    refused = client.simulate_get("/v1/inspection", params={"site": "530500"}, headers=county)
    assert refused.status_code == 403
    assert client.simulate_get("/v1/inspection").status_code == 401
