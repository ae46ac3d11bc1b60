"""The search box as a citizen meets it, in a real Chromium against a real gunicorn: embedded
with one script tag in a page of another origin (a registered cluster site), suggestions
picked with the keyboard, the results page filtered and paged, with and without JavaScript,
record text shown as text, checked for accessibility by axe-core."""

import json
import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from exchange.store import open_store
from tests.browser.conftest import (
    DESKTOP,
    PHONE,
    SERIOUS,
    demo_data,
)
from tests.conftest import store_url_as_before
from tests.databases import store_url
from tests.e2e.conftest import Server, free_port, run_zhanqun

pytestmark = pytest.mark.e2e

HOST_SITE = "530500-zwfw"
HOST_NAME = "保山市政务服务管理局"
# A title that talks about markup; the CMS sends it escaped, so the record's text holds the
# characters < and > and must be shown as exactly that.
XSS_TITLE = (
    "公积金&lt;script&gt;window.__pwned=1&lt;/script&gt;"
    "&lt;img src=x onerror=&quot;window.__pwned=2&quot;&gt;办理须知"
)
XSS_TEXT = '公积金<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">办理须知'

HOST_PAGE = """<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name}</title>
<link rel="icon" href="data:,">
<style>
  /* A host site's own styles, deliberately loud: none may reach into the search box. */
  body {{ font: 30px/2 serif; color: rgb(0, 100, 0); margin: 0 1rem; }}
  button {{ background: rgb(255, 0, 255); font-size: 30px; }}
  input {{ border: 9px dotted rgb(255, 0, 0); }}
  li {{ color: rgb(0, 100, 0); }}
</style>
</head>
<body>
<header><h1>{name}</h1></header>
<main>
<p>站内搜索</p>
{snippet}
<button type="button" id="host-button">宿主页面的按钮</button>
</main>
</body>
</html>
"""
# The snippet docs/search-box.md gives a site: the script tag, and a plain form for a
# browser that runs no script.
SNIPPET = """<script src="{base}/embed.js" data-site="{site}" data-scope="cluster"
        data-placeholder="搜索全市政府信息"></script>
<noscript>
  <form action="{base}/search" method="get" role="search">
    <label>搜索 <input type="search" name="q"></label>
    <input type="hidden" name="site" value="{site}">
    <input type="hidden" name="scope" value="cluster">
    <button type="submit">搜索</button>
  </form>
</noscript>"""


@dataclass
class Cluster:
    server: Server
    host: str  # the host page's URL, on another origin than the service

    def page(self, path: str) -> str:
        return self.server.base_url + path


@pytest.fixture(scope="module")
def cluster(tmp_path_factory, zhanqun_server, static_site) -> Cluster:
    """The demo cluster plus a department site whose own web server (another origin, here)
    embeds the search box; one of its records has markup-like text in the title."""
    root = tmp_path_factory.mktemp("cluster")
    data_dir = demo_data(root / "data")
    host_dir = root / "host"
    host_dir.mkdir()
    host_origin = static_site(host_dir, free_port())
    run_zhanqun(data_dir, "sites", "add", HOST_SITE, HOST_NAME, "--tier", "department",
                "--parent", "530500", "--url", host_origin + "/")  # fmt: skip
    item = {
        "id": "xss-1",
        "title": XSS_TITLE,
        "body": "住房公积金提取业务的办理须知。",
        "published": "2024-06-01",
        "doc_type": "办事服务",
    }
    jsonl = root / "xss.jsonl"
    jsonl.write_text(json.dumps(item, ensure_ascii=False) + "\n", encoding="utf-8")
    run_zhanqun(data_dir, "import", str(jsonl), "--site", HOST_SITE)
    # Imported now, an unsafe URL would be refused; one stored before that rule must still
    # never become a link.
    store = open_store(store_url(data_dir))
    try:
        store_url_as_before(store, HOST_SITE, "xss-1", "javascript:window.__pwned=3")
    finally:
        store.dispose()
    run_zhanqun(data_dir, "index")
    server = zhanqun_server(data_dir)
    snippet = SNIPPET.format(base=server.base_url, site=HOST_SITE)
    html = HOST_PAGE.format(name=HOST_NAME, snippet=snippet)
    (host_dir / "index.html").write_text(html, encoding="utf-8")
    return Cluster(server, host_origin + "/index.html")


def query_of(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def fits_the_screen(page: Page) -> bool:
    """Nothing makes the page scroll sideways (a phone layout that works)."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def total_of(page: Page) -> int:
    summary = page.locator("h2.summary strong").text_content()
    return int(summary)


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_widget_to_filtered_second_page(cluster, browser, width, viewport):
    session = browser(viewport=viewport)
    page = session.new_page()
    page.goto(cluster.host)
    box = page.get_by_role("combobox", name="搜索词")
    expect(box).to_have_attribute("placeholder", "搜索全市政府信息")

    # The host's styles stay out of the shadow root, and the widget's stay in it.
    styles = page.evaluate(
        """() => {
        const root = document.querySelector('.zhanqun-search').shadowRoot;
        const style = (el) => getComputedStyle(el);
        return {
            widgetButton: style(root.querySelector('button')).backgroundColor,
            widgetFont: style(root.querySelector('input')).fontSize,
            widgetBorder: style(root.querySelector('input')).borderTopStyle,
            hostButton: style(document.getElementById('host-button')).backgroundColor,
        };
    }"""
    )
    assert styles == {
        "widgetButton": "rgb(160, 28, 28)",
        "widgetFont": "17px",
        "widgetBorder": "solid",
        "hostButton": "rgb(255, 0, 255)",
    }

    box.press_sequentially("住房", delay=60)
    options = page.get_by_role("option")
    expect(options.first).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    count = options.count()
    status = page.locator(".zhanqun-search [role=status]")
    expect(status).to_have_text(re.compile(rf"^有 {count} 条搜索建议"))
    assert all(text.startswith("住房") for text in options.all_text_contents())
    session.screenshot(page, f"widget-suggestions-{width}", full_page=False)

    box.press("Escape")
    expect(page.get_by_role("listbox")).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    box.press("ArrowDown")
    box.press("ArrowDown")
    box.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    expect(options.first).to_have_attribute("aria-selected", "true")
    picked = options.first.text_content()
    with page.expect_navigation():
        box.press("Enter")

    assert page.url.startswith(cluster.page("/search?"))
    assert query_of(page) == {"q": [picked], "site": [HOST_SITE], "scope": ["cluster"]}
    expect(page.get_by_role("searchbox", name="搜索词")).to_have_value(picked)
    expect(page.locator("ol.hits > li")).to_have_count(10)
    before = total_of(page)
    assert fits_the_screen(page)
    session.screenshot(page, f"results-{width}")

    tiers = page.get_by_role("list", name="层级")
    department = tiers.get_by_role("link", name=re.compile(r"^部门"))
    expected = int(re.search(r"\d+", department.text_content()).group())
    assert 10 < expected < before
    department.click()
    assert query_of(page)["tier"] == ["department"]
    assert total_of(page) == expected
    expect(tiers.get_by_role("link", name=re.compile(r"^部门"))).to_have_attribute(
        "aria-current", "true"
    )

    page.get_by_role("navigation", name="分页").get_by_role("link", name="下一页").click()
    assert query_of(page)["page"] == ["2"]
    assert query_of(page)["tier"] == ["department"]
    expect(page.locator("ol.hits")).to_have_attribute("start", "11")
    current = page.get_by_role("navigation", name="分页").locator("[aria-current=page]")
    expect(current).to_have_text("第2页")
    session.screenshot(page, f"results-page2-{width}")
    assert session.console_errors == []


def test_record_text_is_shown_as_text(cluster, browser):
    # Without the CSP's help: escaping alone must keep the markup inert.
    session = browser(viewport=DESKTOP, bypass_csp=True)
    page = session.new_page()
    page.goto(cluster.page("/search?q=办理须知&site=" + HOST_SITE))
    hit = page.locator("ol.hits > li").filter(has_text="window.__pwned")
    expect(hit).to_have_count(1)
    title = hit.locator("h3")
    assert title.text_content() == XSS_TEXT
    assert title.locator("script, img").count() == 0
    assert title.locator("a").count() == 0  # a javascript: URL is not made a link
    assert page.evaluate("() => window.__pwned") is None
    session.screenshot(page, "record-text-as-text")

    # The widget sets suggestion text as text too.
    page.goto(cluster.host)
    page.get_by_role("combobox", name="搜索词").press_sequentially("办理", delay=60)
    expect(page.get_by_role("option").first).to_be_visible()
    assert page.evaluate("() => window.__pwned") is None
    assert session.console_errors == []


def test_results_page_works_without_javascript(cluster, browser):
    session = browser(viewport=PHONE, java_script_enabled=False)
    page = session.new_page()

    # The host page falls back to the plain form of its <noscript>.
    page.goto(cluster.host)
    expect(page.locator(".zhanqun-search")).to_have_count(0)
    page.get_by_role("searchbox", name="搜索").fill("公积金")
    with page.expect_navigation():
        page.get_by_role("button", name="搜索").click()
    assert query_of(page) == {"q": ["公积金"], "site": [HOST_SITE], "scope": ["cluster"]}
    all_results = total_of(page)
    assert all_results > 10

    page.get_by_role("searchbox", name="搜索词").fill("医保")
    page.get_by_role("searchbox", name="搜索词").press("Enter")
    page.wait_for_url(re.compile(r"q=%E5%8C%BB%E4%BF%9D"))
    assert query_of(page)["scope"] == ["cluster"]

    page.get_by_role("list", name="类型").get_by_role("link").nth(1).click()
    assert "doc_type" in query_of(page)
    page.get_by_role("list", name="排序").get_by_role("link", name="按时间").click()
    assert query_of(page)["sort"] == ["newest"]
    assert "doc_type" in query_of(page)
    dates = [d for d in page.locator("ol.hits time").evaluate_all("ts => ts.map(t => t.dateTime)")]
    assert dates == sorted(dates, reverse=True)

    page.goto(cluster.page("/search?q=公积金&scope=cluster&site=" + HOST_SITE))
    page.get_by_role("navigation", name="分页").get_by_role("link", name="下一页").click()
    assert query_of(page)["page"] == ["2"]

    page.get_by_text("自定义时间").click()
    page.get_by_label("起始日期").fill("2025-01-01")
    page.get_by_label("截止日期").fill("2025-12-31")
    page.get_by_role("button", name="确定").click()
    assert query_of(page)["from"] == ["2025-01-01"] and query_of(page)["to"] == ["2025-12-31"]
    assert "page" not in query_of(page)
    assert all(t.startswith("2025-") for t in page.locator("ol.hits time").all_text_contents())

    page.get_by_role("link", name="大字版").click()
    assert page.locator("html").get_attribute("class") == "big"
    assert fits_the_screen(page)
    session.screenshot(page, "results-big-text-phone")
    page.goto(cluster.page("/search?q=森林防火"))  # no big=1: the cookie remembers it
    assert page.locator("html").get_attribute("class") == "big"
    page.get_by_role("link", name="标准字号").click()
    assert page.locator("html").get_attribute("class") is None

    page.goto(cluster.page("/search?q=火星探测器&site=530521&scope=site"))
    expect(page.get_by_role("heading", name="没有找到与“火星探测器”相关的结果")).to_be_visible()
    page.get_by_role("link", name="在整个站群中搜索").click()
    assert query_of(page)["scope"] == ["cluster"]
    session.screenshot(page, "results-empty-phone")
    assert session.console_errors == []


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_a_service_search_shows_the_searching_county_s_card(cluster, browser, width, viewport):
    """搜索即服务: 施甸县's box, the whole cluster searched — 施甸县's own guide is the card,
    the other places' folded under 其他地区 (N); the look-alike results are one result."""
    session = browser(viewport=viewport)
    page = session.new_page()
    page.goto(cluster.page("/search?q=公积金提取&site=530521&scope=cluster"))
    card = page.get_by_role("region", name="施甸县住房公积金提取办事指南")
    expect(card).to_be_visible()
    expect(card.get_by_text("施甸县人民政府", exact=True)).to_be_visible()
    for label in ("办理条件", "申请材料", "办理地点", "咨询电话"):
        expect(card.locator("dt", has_text=label)).to_be_visible()
    expect(card.locator("dd").nth(2)).to_have_text(re.compile("^施甸县政务服务中心"))
    others = card.locator("details.service-others")
    expect(others.locator("summary")).to_have_text("其他地区 (4)")
    expect(others.get_by_role("link").first).to_be_hidden()
    others.locator("summary").click()
    links = others.get_by_role("link")
    expect(links).to_have_count(4)
    # The city level first, then the other counties.
    expect(links.first).to_have_text("保山市住房公积金管理中心：保山市住房公积金提取办事指南")
    # The card comes before the results, and the county guides are one result there.
    assert page.locator("main .service-card ~ ol.hits").count() == 1
    titles = page.locator("ol.hits > li h3").all_text_contents()
    assert sum("住房公积金提取办事指南" in t for t in titles) == 1
    folded = page.locator("ol.hits > li details.hit-similar summary").first
    expect(folded).to_have_text(re.compile(r"^另有 \d+ 个站点发布了相同标题$"))
    assert fits_the_screen(page)
    session.screenshot(page, f"service-card-{width}")
    assert session.console_errors == []


def test_the_search_box_offers_the_service_first_and_opens_it(cluster, browser):
    session = browser(viewport=PHONE)
    page = session.new_page()
    # The guides' sites are not on this machine: answer for them.
    page.route("https://gjj.baoshan.gov.cn/**", lambda route: route.fulfill(
        body="<!doctype html><title>办事指南</title><p>办事指南</p>", content_type="text/html"))  # fmt: skip
    page.goto(cluster.host)
    box = page.get_by_role("combobox", name="搜索词")
    box.press_sequentially("公积金提取", delay=60)
    first = page.get_by_role("option").first
    # The host is a city department: the city level's guide is its service.
    expect(first).to_have_text(
        re.compile("^办事保山市住房公积金提取办事指南保山市住房公积金管理中心$")
    )
    session.screenshot(page, "widget-service-suggestion-phone", full_page=False)
    box.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    with page.expect_navigation():
        box.press("Enter")
    assert page.url == "https://gjj.baoshan.gov.cn/bsfw/bszn/bszn-001.html"
    assert session.console_errors == []


AXE_PAGES = [
    ("results-desktop", DESKTOP, "/search?q=公积金&site=530521&scope=branch"),
    ("results-phone", PHONE, "/search?q=公积金&site=530500&scope=branch&tier=department"),
    ("results-big-text", PHONE, "/search?q=社保&big=1"),
    ("no-results", DESKTOP, "/search?q=火星探测器&site=530521&scope=site"),
    ("newest-and-hot", DESKTOP, "/search?site=530500&scope=branch"),
    ("bad-input", DESKTOP, "/search?q=公积金&from=2024-13-01"),
    ("service-card-phone", PHONE, "/search?q=公积金提取&site=530521&scope=cluster"),
    ("service-card-desktop", DESKTOP, "/search?q=生育登记&site=530521100&scope=cluster"),
]


@pytest.mark.parametrize(("name", "viewport", "path"), AXE_PAGES, ids=[p[0] for p in AXE_PAGES])
def test_results_pages_pass_axe(cluster, browser, axe, name, viewport, path):
    session = browser(viewport=viewport, bypass_csp=True)
    page = session.new_page()
    page.goto(cluster.page(path))
    serious = [v for v in axe(page, name) if v["impact"] in SERIOUS]
    assert serious == []


@pytest.mark.parametrize(("width", "viewport"), [("phone", PHONE), ("desktop", DESKTOP)])
def test_service_card_with_other_places_open_has_no_axe_violations(
    cluster, browser, axe, width, viewport
):
    session = browser(viewport=viewport, bypass_csp=True)
    page = session.new_page()
    page.goto(cluster.page("/search?q=公积金提取&site=530521&scope=cluster"))
    page.locator("details.service-others summary").click()
    page.locator("details.hit-similar summary").first.click()
    assert axe(page, f"service-card-open-{width}") == []


def test_host_page_with_open_suggestions_passes_axe(cluster, browser, axe):
    session = browser(viewport=DESKTOP)
    page = session.new_page()
    page.goto(cluster.host)
    box = page.get_by_role("combobox", name="搜索词")
    box.press_sequentially("公积", delay=60)
    expect(page.get_by_role("option").first).to_be_visible()
    box.press("ArrowDown")
    expect(page.get_by_role("option").first).to_have_attribute("aria-selected", "true")
    serious = [v for v in axe(page, "widget") if v["impact"] in SERIOUS]
    assert serious == []
