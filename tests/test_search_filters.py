"""Every declared search filter (exchange/search_filters.py) works everywhere from its one
declaration: /v1/search narrows by it and rejects values outside its choices, the OpenAPI
description lists it, and the results page keeps it in its links and offers its values."""

import pytest
from falcon import testing

from exchange.app import create_app
from exchange.search_filters import FILTERS
from tests.conftest import record

ABSENT = "没有这个值"


@pytest.fixture
def client(zq):
    zq.push("530500", record("1", "保山市住房公积金管理办法", "住房公积金缴存。",
                             doc_type="政府文件"))  # fmt: skip
    zq.push("530521", record("2", "施甸县公积金提取指南", "租房提取公积金。", doc_type="办事服务"))
    zq.index()
    return testing.TestClient(create_app(zq.config, zq.store, zq.reader))


def search(client, **params):
    return client.simulate_get("/v1/search", params={"q": "公积金", **params})


@pytest.mark.parametrize("spec", FILTERS, ids=lambda spec: spec.name)
def test_a_declared_filter_narrows_the_search(client, spec):
    assert search(client).json["total"] == 2
    # A value no record has: nothing (a closed set's value that no record holds).
    absent = next((c for c in spec.choices if c not in ("city", "county")), ABSENT)
    assert search(client, **{spec.name: absent}).json["total"] == 0
    facets = search(client).json["facets"]
    for value, count in facets.get(spec.index_field, {}).items():
        assert search(client, **{spec.name: value}).json["total"] == count
    if spec.choices:
        answer = search(client, **{spec.name: ABSENT})
        assert answer.status_code == 400 and answer.json["error"]["field"] == spec.name


@pytest.mark.parametrize("spec", FILTERS, ids=lambda spec: spec.name)
def test_a_declared_filter_is_described_and_kept_by_the_page(client, spec):
    described = client.simulate_get("/openapi.json").json["paths"]["/v1/search"]["get"]
    param = next(p for p in described["parameters"] if p["name"] == spec.name)
    assert param["description"] == spec.description and param["schema"]["type"] == "array"
    value = spec.choices[2] if spec.choices else ABSENT
    page = client.simulate_get("/search", params={"q": "公积金", spec.name: value}).text
    # The page's other links (sort, scope, pages) keep the filter in their query strings.
    assert f"{spec.name}=" in page


def test_the_page_offers_the_values_of_a_labelled_filter(client):
    facets = search(client).json["facets"]
    page = client.simulate_get("/search", params={"q": "公积金"}).text
    offered = [spec for spec in FILTERS if spec.label and len(facets[spec.index_field]) > 1]
    assert offered
    for spec in offered:
        assert spec.label in page
        for value in facets[spec.index_field]:
            assert spec.label_of(value) in page


def test_records_of_one_issuer(zq):
    # 发布机构: a field the store always kept (政府信息公开), now filtered on.
    zq.push("530500", record("1", "关于住房公积金的通知", "公积金。", issuer="保山市人民政府"),
            record("2", "公积金提取办法", "公积金。", issuer="保山市住房公积金管理中心"))  # fmt: skip
    zq.push("530521", record("3", "公积金宣传", "公积金。"))
    zq.index()
    client = testing.TestClient(create_app(zq.config, zq.store, zq.reader))
    found = search(client, issuer="保山市住房公积金管理中心").json
    assert [hit["id"] for hit in found["hits"]] == ["2"]
    both = search(client, issuer=["保山市人民政府", "保山市住房公积金管理中心"]).json
    assert {hit["id"] for hit in both["hits"]} == {"1", "2"}
    assert search(client).json["total"] == 3
