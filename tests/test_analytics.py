"""Search analytics: the log feeds hot queries, completions and related searches."""

import pytest
from falcon import testing

from exchange.analytics import PopularQueries, SearchLog, top_queries
from exchange.app import create_app
from tests.conftest import record


@pytest.fixture
def service(zq):
    zq.push(
        "530500",
        record("1", "住房公积金提取办法", "职工可提取住房公积金。"),
        record("2", "住房公积金提取常见问题", "提取住房公积金需要材料。"),
        record("3", "森林防火通告", "森林防火期禁止野外用火。"),
    )
    zq.index()
    log = SearchLog(zq.store, flush_seconds=3600)
    popular = PopularQueries(zq.store, ttl_seconds=0)
    client = testing.TestClient(create_app(zq.config, zq.store, zq.reader, log, popular))
    return client, log, zq


def search(client, text, **params):
    return client.simulate_get("/v1/search", params={"q": text, **params}).json


def test_searches_are_logged_once_per_query_not_per_page(service):
    client, log, zq = service
    search(client, "公积金", site="530500")
    search(client, "公积金", page="2")
    search(client, "不存在的东西")
    assert log.flush() == 2
    assert top_queries(zq.store, days=1, limit=10) == [("不存在的东西", 1), ("公积金", 1)]
    assert top_queries(zq.store, days=1, limit=10, zero_only=True) == [("不存在的东西", 1)]
    assert top_queries(zq.store, days=1, limit=10, site="530500") == [("公积金", 1)]


def test_hot_queries_on_an_empty_search_and_past_queries_as_suggestions(service):
    client, log, _ = service
    for text in ("森林防火", "森林防火", "住房公积金提取", "没有结果的查询"):
        search(client, text)
    log.flush()
    hot = search(client, "")["hot"]
    assert hot == [{"query": "森林防火", "count": 2}, {"query": "住房公积金提取", "count": 1}]
    suggestions = client.simulate_get("/v1/suggest", params={"q": "住房"}).json["suggestions"]
    assert suggestions[0] == {"text": "住房公积金提取", "count": 1, "source": "query"}
    assert all(s["text"] != "没有结果的查询" for s in suggestions)


def test_related_searches_share_a_word_or_extend_it(service):
    client, log, _ = service
    search(client, "住房公积金提取")
    log.flush()
    related = search(client, "公积金")["related"]
    assert "住房公积金提取" in related
    assert "公积金" not in related
