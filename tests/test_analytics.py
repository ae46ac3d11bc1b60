"""Search analytics: every first-page search is logged — who asked as a keyed hash, never the
address — and the log feeds hot queries, completions and related searches once enough
different clients asked a query."""

import dataclasses

import pytest
from falcon import testing

from exchange.analytics import SearchLog, top_queries
from exchange.app import create_app
from exchange.popular import PopularQueries
from exchange.store import tables
from tests.conftest import record

CLIENTS = ["198.51.100.1", "198.51.100.2", "2001:db8:1:2::9"]


@pytest.fixture
def service(zq):
    zq.push(
        "530500",
        record("1", "住房公积金提取办法", "职工可提取住房公积金。"),
        record("2", "住房公积金提取常见问题", "提取住房公积金需要材料。"),
        record("3", "森林防火通告", "森林防火期禁止野外用火。"),
    )
    zq.index()
    config = dataclasses.replace(zq.config, suggestions="clients=2")
    log = SearchLog(zq.store, flush_seconds=3600)
    popular = PopularQueries.from_config(config, zq.store, ttl_seconds=0)
    client = testing.TestClient(create_app(config, zq.store, zq.reader, log, popular))
    return client, log, zq


def search(client, text, address=CLIENTS[0], **params):
    return client.simulate_get("/v1/search", params={"q": text, **params}, remote_addr=address).json


def test_searches_are_logged_once_per_query_not_per_page(service):
    client, log, zq = service
    search(client, "公积金", site="530500")
    search(client, "公积金", page="2")
    search(client, "不存在的东西")
    assert log.flush() == 2
    assert top_queries(zq.store, days=1, limit=10) == [("不存在的东西", 1), ("公积金", 1)]
    assert top_queries(zq.store, days=1, limit=10, zero_only=True) == [("不存在的东西", 1)]
    assert top_queries(zq.store, days=1, limit=10, site="530500") == [("公积金", 1)]


def test_the_log_counts_clients_by_a_keyed_hash_never_by_address(service):
    client, log, zq = service
    for address in [*CLIENTS, "2001:db8:1:2::10"]:  # the same /64 as the last one
        search(client, "森林防火", address)
    log.flush()
    with zq.store.read() as conn:
        rows = conn.execute(tables.search_log.select()).all()
    hashes = {row.client for row in rows}
    assert len(hashes) == 3 and all(len(h) == 16 for h in hashes)
    stored = " ".join(str(value) for row in rows for value in row)
    assert not any(part in stored for part in ("198.51.100", "2001:db8"))
    assert log.client_hash(CLIENTS[0]) in hashes
    assert SearchLog(zq.store).client_hash(CLIENTS[0]) == log.client_hash(CLIENTS[0])


def test_hot_queries_and_completions_once_enough_clients_asked(service):
    client, log, _ = service
    for address in CLIENTS[:2]:
        search(client, "森林防火", address)
        search(client, "没有结果的查询", address)
    search(client, "住房公积金提取", CLIENTS[0])
    search(client, "住房公积金提取", CLIENTS[0])  # the same client again counts once
    log.flush()
    assert search(client, "")["hot"] == [{"query": "森林防火", "count": 2}]
    suggestions = client.simulate_get("/v1/suggest", params={"q": "住房"}).json["suggestions"]
    assert all(s["source"] == "title" for s in suggestions)
    search(client, "住房公积金提取", CLIENTS[1])
    log.flush()
    hot = search(client, "")["hot"]
    assert hot == [{"query": "住房公积金提取", "count": 2}, {"query": "森林防火", "count": 2}]
    suggestions = client.simulate_get("/v1/suggest", params={"q": "住房"}).json["suggestions"]
    assert suggestions[0] == {"text": "住房公积金提取", "count": 2, "source": "query"}
    assert all(s["text"] != "没有结果的查询" for s in suggestions)


def test_related_searches_share_a_word_or_extend_it(service):
    client, log, _ = service
    for address in CLIENTS[:2]:
        search(client, "住房公积金提取", address)
    log.flush()
    related = search(client, "公积金")["related"]
    assert "住房公积金提取" in related
    assert "公积金" not in related
