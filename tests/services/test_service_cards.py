"""搜索即服务 on the demo cluster, through the real app: a search for a service shows one card,
the searching site's own guide (else its nearest ancestor's, else the city level's) with its key
lines, the same service of other places folded under 其他地区; look-alike titles of several sites
are one result."""

import pytest
from falcon import testing

from exchange.app import create_app
from exchange.services.finder import ServiceFinder
from exchange.site_cache import SiteCache
from tests.conftest import Cluster, record


@pytest.fixture(scope="module")
def client(demo):
    return testing.TestClient(create_app(demo.config, demo.store, demo.reader))


def search(client, q: str, site: str | None = None, **params) -> dict:
    if site:
        params.update(site=site, scope=params.get("scope", "cluster"))
    response = client.simulate_get("/v1/search", params={"q": q, **params})
    assert response.status_code == 200, response.text
    return response.json


def test_a_county_citizen_gets_their_own_county_s_guide_first(client):
    """The issue's example: 施甸县's box, searching the whole cluster."""
    card = search(client, "公积金提取", site="530521")["service"]
    assert card["site"] == "530521" and card["title"] == "施甸县住房公积金提取办事指南"
    assert card["local"] is True and card["name"] == "住房公积金提取"
    folded = {other["site"] for other in card["others"]}
    # Every other place offering it, the city level first; never the card's own site.
    assert folded == {"530500-gjj", "530502", "530524", "530581"}
    assert card["others"][0]["site"] == "530500-gjj"
    # Another county's box gets that county's guide.
    assert search(client, "公积金提取", site="530581")["service"]["site"] == "530581"


def test_the_card_carries_the_guide_s_key_lines(client):
    card = search(client, "结婚登记", site="530524")["service"]
    lines = {line["label"]: line["text"] for line in card["lines"]}
    assert list(lines) == ["办理条件", "申请材料", "办理地点", "咨询电话"]
    assert "年满22周岁" in lines["办理条件"] and "户口簿" in lines["申请材料"]
    assert lines["办理地点"].startswith("昌宁县政务服务中心")
    assert lines["咨询电话"].startswith("0875-")


@pytest.mark.parametrize(
    ("site", "expected", "why"),
    [
        ("530521100", "530521", "甸阳镇 offers none: its county's"),
        ("530523", "530500-gjj", "龙陵县 offers none: the city level's (市住房公积金管理中心)"),
        ("530523105", "530500-gjj", "勐糯镇 and 龙陵县 offer none: the city level's"),
        ("530500-rsj", "530500-gjj", "a city department: the city level's"),
        (None, "530500-gjj", "no searching site: the city level's"),
    ],
)
def test_without_its_own_guide_the_nearest_ancestor_s_is_the_card(client, site, expected, why):
    card = search(client, "住房公积金提取", site=site)["service"]
    assert card["site"] == expected, why
    assert card["local"] is True


def test_a_place_named_in_the_query_chooses_the_guide(client):
    card = search(client, "腾冲 公积金提取", site="530521")["service"]
    assert card["site"] == "530581"


def test_everyday_and_question_forms_and_synonyms_reach_the_card(client):
    assert search(client, "怎么提取公积金", site="530502")["service"]["site"] == "530502"
    # 社保 → 社会保障 (the synonym table).
    assert search(client, "社保卡", site="530521")["service"]["name"] == "社会保障卡申领"
    assert search(client, "驾驶证换证")["service"]["name"] == "机动车驾驶证换证"


@pytest.mark.parametrize("q", ["公积金", "登记", "森林防火", "保山"])
def test_a_query_that_names_no_one_service_shows_no_card(client, q):
    """公积金 fits three services (提取, 贷款, 转移): no card presumes which."""
    assert search(client, q)["service"] is None


def test_only_the_first_page_has_the_card(client):
    assert search(client, "公积金提取", site="530521", page=2, size=5)["service"] is None


def test_look_alike_guides_of_several_sites_are_one_result(client):
    body = search(client, "生育登记", site="530524")
    titles = [hit["title"].replace("<mark>", "").replace("</mark>", "") for hit in body["hits"]]
    # The searching county's copy represents the group, the others are folded under it.
    first = body["hits"][0]
    assert first["site"] == "530524" and titles[0] == "昌宁县生育登记办事指南"
    # Every other place's copy counted, the first three listed.
    assert first["similar_count"] >= 5 and len(first["similar"]) == 3
    assert "530524" not in {s["site"] for s in first["similar"]}
    assert sum("生育登记办事指南" in t for t in titles) == 1
    raw = search(client, "生育登记", site="530524", group="false")["hits"]
    assert sum("生育登记办事指南" in h["title"].replace("<mark>", "").replace("</mark>", "")
               for h in raw) > 3  # fmt: skip
    assert body["total"] == search(client, "生育登记", site="530524", group="false")["total"]


def test_the_results_page_shows_the_card_and_folds_other_places(client):
    page = client.simulate_get(
        "/search", params={"q": "公积金提取", "site": "530521", "scope": "cluster"}
    ).text
    start = page.index('class="service-card"')
    card = page[start : page.index("</section>", start)]
    assert "施甸县住房公积金提取办事指南" in card and "施甸县政务服务中心" in card
    assert "<summary>其他地区 (4)</summary>" in card and "腾冲市住房公积金提取办事指南" in card
    assert "另有" in page and "个站点发布了相同标题" in page


def test_a_withdrawn_guide_leaves_the_card_to_the_next_place(zq: Cluster):
    zq.push(
        "530521",
        record("g1", "施甸县生育登记办事指南", "办理条件：已婚夫妇。咨询电话：0875-8120000。",
               column="办事服务/办事指南", doc_type="办事服务"),
        record("g2", "施甸县森林防火通告", "森林防火期。", doc_type="政府信息公开"),
    )  # fmt: skip
    zq.push("530500", record("g1", "保山市生育登记办事指南", "办理条件：已婚夫妇。",
                             column="办事服务/办事指南", doc_type="办事服务"))  # fmt: skip
    finder = ServiceFinder(zq.store, SiteCache(zq.store, ttl_seconds=0), ttl_seconds=0)
    card = finder.card([["生育", "登记"]], "530521100")
    assert card.item.site == "530521" and [o.item.site for o in card.others] == ["530500"]
    assert [(line.label, line.text) for line in card.item.lines] == [
        ("办理条件", "已婚夫妇"),
        ("咨询电话", "0875-8120000"),
    ]
    zq.push("530521", {"id": "g1", "deleted": True})
    assert finder.card([["生育", "登记"]], "530521100").item.site == "530500"
    # Not a service item: no card, whatever its title says.
    assert finder.card([["森林防火", "通告"]], "530521") is None


def test_folded_pages_are_full_and_never_repeat_a_record(client):
    """Pages count folded results: each is full, and no record shows on two pages."""
    seen: list[str] = []
    for page in (1, 2, 3):
        body = search(client, "办事指南", site="530521", page=page, size=10)
        assert len(body["hits"]) == 10
        for hit in body["hits"]:
            seen.append(f"{hit['site']}/{hit['id']}")
            seen += [f"{other['site']}/{other['id']}" for other in hit["similar"]]
    assert len(seen) == len(set(seen)) > 30
    folded = search(client, "办事指南", site="530521", size=30)["hits"]
    assert sum(len(hit["similar"]) for hit in folded) > 20
    # Of each folded group, the searching county's copy is the one shown.
    shown = {hit["site"] for hit in folded if hit["similar"]}
    assert "530521" in shown
    assert all(other["site"] != "530521" for hit in folded for other in hit["similar"])


def test_a_closed_site_s_guide_is_never_the_card(zq: Cluster):
    from exchange.store.sites import set_site_state

    guide = {"column": "办事服务/办事指南", "doc_type": "办事服务"}
    zq.push("530581", record("g1", "腾冲市出生医学证明办理办事指南", "办理地点：腾冲市。", **guide))
    zq.push("530521", record("g1", "施甸县出生医学证明办理办事指南", "办理地点：施甸县。", **guide))
    finder = ServiceFinder(zq.store, SiteCache(zq.store, ttl_seconds=0), ttl_seconds=0)
    assert finder.card([["出生医学证明"]], "530581").item.site == "530581"
    set_site_state(zq.store, "530581", "closed")
    card = finder.card([["出生医学证明"]], "530581")
    assert card.item.site == "530521" and card.others == []
    set_site_state(zq.store, "530521", "closed")
    assert finder.card([["出生医学证明"]], None) is None
