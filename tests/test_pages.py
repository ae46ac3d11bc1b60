"""The results page, the embed script and OpenSearch through Falcon's test client: what a
citizen sees without JavaScript, escaping, and the security headers."""

import re
from xml.etree import ElementTree as ET

import pytest
from falcon import testing

from exchange.analytics import Searched, SearchLog
from exchange.app import create_app
from exchange.pages.security import CONTENT_SECURITY_POLICY
from exchange.popular import PopularQueries
from exchange.query_screen import ScreenRules
from exchange.resources.pages import BIG_COOKIE
from tests.conftest import record, store_url_as_before

XSS_TITLE = "公积金&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;提取须知"


@pytest.fixture
def pages(zq):
    zq.push(
        "530500",
        record(
            "1",
            "保山市住房公积金管理办法",
            "住房公积金缴存和提取。",
            url="https://www.baoshan.gov.cn/1.html",
            doc_type="政府文件",
            doc_no="保政发〔2024〕1号",
        ),
        record("2", "保山市森林防火通告", "森林防火期禁止野外用火。", published="2023-03-01"),
    )
    zq.push(
        "530521",
        record("3", "施甸县公积金提取指南", "租房提取公积金。", doc_type="办事服务"),
        record("4", XSS_TITLE, "提取公积金的注意事项。"),
    )
    store_url_as_before(zq.store, "530521", "4", "javascript:alert(3)")
    zq.push("530521100", record("5", "甸阳镇公积金政策宣传", "宣传公积金政策。"))
    zq.index()
    log = SearchLog(zq.store, flush_seconds=3600)
    # One client is enough here: what the public screen holds back is tested on its own.
    popular = PopularQueries(zq.store, ttl_seconds=0, rules=ScreenRules(clients=1))
    client = testing.TestClient(create_app(zq.config, zq.store, zq.reader, log, popular))
    return client, log


def page(client, **params) -> testing.Result:
    return client.simulate_get("/search", params=params)


def hrefs(html: str) -> list[str]:
    return [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]*)"', html)]


def test_results_page_shows_highlighted_hits_with_site_date_and_doc_number(pages):
    client, _ = pages
    result = page(client, q="住房公积金")
    assert result.status_code == 200
    assert result.headers["content-type"] == "text/html; charset=utf-8"
    html = result.text
    assert '<html lang="zh-CN">' in html
    assert "找到 <strong>" in html
    assert (
        '<a href="https://www.baoshan.gov.cn/1.html">保山市<mark>住房公积金</mark>管理办法</a>'
        in html
    )
    assert "保山市人民政府" in html and '<time datetime="2024-05-01">2024-05-01</time>' in html
    assert "保政发〔2024〕1号" in html
    assert '<link rel="search" type="application/opensearchdescription+xml"' in html


def test_record_text_is_shown_as_text_and_a_javascript_url_is_not_a_link(pages):
    client, _ = pages
    html = page(client, q="提取须知").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;" in html
    # The page itself has no script and no image: none can have come from the record.
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert not any(h.startswith("javascript:") for h in hrefs(html))
    assert "onerror=alert(2)&gt;" in html


def test_pages_carry_a_content_security_policy_and_the_api_does_not_need_one(pages):
    client, _ = pages
    headers = page(client, q="公积金").headers
    assert headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" not in client.simulate_get("/v1/search").headers
    # Nothing on the page would need an exception to the policy.
    html = page(client, q="公积金").text
    assert " style=" not in html and "<style" not in html


def test_filters_sort_and_pages_are_plain_links_that_keep_the_rest(pages):
    client, _ = pages
    html = page(client, q="公积金", size="1").text
    links = hrefs(html)
    county = next(h for h in links if "tier=county" in h)
    assert "q=%E5%85%AC%E7%A7%AF%E9%87%91" in county and "size=1" in county
    assert any("doc_type=%E6%94%BF%E5%BA%9C%E6%96%87%E4%BB%B6" in h for h in links)
    assert any("sort=newest" in h for h in links)
    assert re.search(r'href="[^"]*page=2" rel="next">下一页', html)
    filtered = page(client, q="公积金", tier="county", size="1").text
    assert re.search(r'class="selected" aria-current="true">县级', filtered)
    assert '找到 <strong>2</strong> 条结果<span class="scope-note">（整个站群，县级）' in filtered
    second = page(client, q="公积金", tier="county", size="1", page="2").text
    assert '<ol class="hits" start="2">' in second
    assert re.search(
        r'class="current" aria-current="page"><span class="visually-hidden">第</span>2', second
    )
    assert 'rel="prev">上一页' in second


def test_scope_switch_and_source_site_filter(pages):
    client, _ = pages
    html = page(client, q="公积金", site="530521", scope="branch").text
    assert re.search(r'aria-current="true">本站及下级网站', html)
    assert any("scope=cluster" in h for h in hrefs(html))
    assert "找到 <strong>3</strong> 条结果" in html
    assert "甸阳镇人民政府" in html
    one = page(client, q="公积金", site="530521", scope="branch", source="530521100").text
    assert "找到 <strong>1</strong> 条结果" in one
    outside = page(client, q="公积金", site="530521", scope="branch", source="530500").text
    assert "没有找到与“公积金”相关的结果" in outside
    unknown = page(client, q="公积金", source="999")
    assert unknown.status_code == 400 and "没有这个来源网站" in unknown.text


def test_date_filter_by_year_and_custom_range(pages):
    client, _ = pages
    html = page(client, q="保山市").text
    assert any("from=2023-01-01&to=2023-12-31" in h for h in hrefs(html))
    assert '<input id="from" name="from" type="date" value="">' in html
    ranged = page(client, q="保山市", **{"from": "2023-01-01", "to": "2023-12-31"}).text
    assert "找到 <strong>1</strong> 条结果" in ranged and "森林防火" in ranged
    assert "（整个站群，2023年）" in ranged
    custom = page(client, q="保山市", **{"from": "2023-02-01"}).text
    assert "（整个站群，2023-02-01 至 今）" in custom
    assert '<details class="date-range" open>' in custom
    bad = page(client, q="保山市", **{"from": "2023-13-01"})
    assert bad.status_code == 400
    assert "起始日期的格式应为 年-月-日" in bad.text and 'role="alert"' in bad.text


def test_did_you_mean_offers_the_query_as_typed_with_exact(pages):
    client, _ = pages
    html = page(client, q="gongjijin").text
    assert "以下是 <a" in html and "<strong>公积金</strong>" in html
    assert any("q=gongjijin" in h and "exact=1" in h for h in hrefs(html))
    exact = page(client, q="gongjijin", exact="1").text
    assert "以下是" not in exact and "没有找到与“gongjijin”相关的结果" in exact


def test_empty_result_page_suggests_what_to_try(pages):
    client, _ = pages
    html = page(client, q="火星探测", site="530521", scope="site", tier="county").text
    assert "没有找到与“火星探测”相关的结果" in html
    assert "检查输入的字词是否有误" in html
    assert re.search(r'href="[^"]*scope=cluster[^"]*">在整个站群中搜索', html)
    assert re.search(r'href="[^"]*">清除筛选条件', html)


def test_empty_query_lists_the_newest_and_hot_searches(pages, zq):
    client, log = pages
    log.record(
        Searched("森林防火", None, "cluster", 1, 3.0, client="203.0.113.1", suggestible=True)
    )
    for address in ("203.0.113.1", "203.0.113.2"):
        log.record(Searched("公积金", None, "cluster", 4, 3.0, client=address, suggestible=True))
    log.flush()
    html = page(client).text
    assert "最新信息，共 <strong>5</strong> 条" in html
    hot = html[html.index("热门搜索") :]
    assert hot.index("公积金") < hot.index("森林防火")
    assert "按相关度" not in html


def test_page_searches_are_logged_like_api_searches(pages):
    client, log = pages
    page(client, q="公积金", site="530521", scope="branch")
    page(client, q="公积金", site="530521", scope="branch", page="2", size="1")
    assert log.flush() == 1


def test_large_text_mode_is_a_link_remembered_by_cookie(pages):
    client, _ = pages
    plain = page(client, q="公积金").text
    assert '<html lang="zh-CN">' in plain
    assert re.search(r'href="[^"]*big=1">大字版', plain)
    big = page(client, q="公积金", big="1")
    assert '<html lang="zh-CN" class="big">' in big.text
    assert big.cookies[BIG_COOKIE].value == "1"
    assert re.search(r'href="[^"]*big=0">标准字号', big.text)
    remembered = client.simulate_get("/search", params={"q": "公积金"}, cookies={BIG_COOKIE: "1"})
    assert 'class="big"' in remembered.text
    off = client.simulate_get("/search", params={"big": "0"}, cookies={BIG_COOKIE: "1"})
    assert 'class="big"' not in off.text
    assert off.cookies[BIG_COOKIE].value == ""


def test_opensearch_description_is_valid_xml_for_the_cluster_or_a_site(pages):
    client, _ = pages
    ns = {"os": "http://a9.com/-/spec/opensearch/1.1/"}
    whole = client.simulate_get("/opensearch.xml")
    assert whole.headers["content-type"].startswith("application/opensearchdescription+xml")
    root = ET.fromstring(whole.content)
    assert root.tag == "{http://a9.com/-/spec/opensearch/1.1/}OpenSearchDescription"
    html_url = root.find("os:Url[@type='text/html']", ns).get("template")
    assert html_url == "http://falconframework.org/search?q={searchTerms}"
    one = ET.fromstring(client.simulate_get("/opensearch.xml?site=530521&scope=branch").content)
    assert one.find("os:ShortName", ns).text == "施甸县人民政府搜索"
    assert (
        one.find("os:Url[@type='text/html']", ns)
        .get("template")
        .endswith("/search?q={searchTerms}&site=530521&scope=branch")
    )
    assert client.simulate_get("/opensearch.xml?site=nope").status_code == 400
    html = page(client, site="530521", scope="branch").text
    assert 'href="opensearch.xml?site=530521&amp;scope=branch"' in html


def test_embed_script_and_stylesheet_are_served_from_the_package(pages):
    client, _ = pages
    script = client.simulate_get("/embed.js")
    assert script.status_code == 200
    assert script.headers["content-type"] == "text/javascript; charset=utf-8"
    assert "attachShadow" in script.text and 'role: "combobox"' in script.text
    # Suggestions are set as text; the widget never parses HTML.
    assert "innerHTML" not in script.text and "insertAdjacentHTML" not in script.text
    css = client.simulate_get("/assets/search.css")
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
