"""The supervision dashboard as an operator meets it, in a real Chromium against a real
gunicorn over the demo cluster: the login form, charts that draw, the demo's stale township
among the failing sites, the searches citizens made, the indexer's runs; no console error
under the page's Content-Security-Policy; axe-core finds nothing serious; screenshots kept."""

import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE, SERIOUS, demo_data
from tests.e2e.conftest import Server, run_zhanqun

pytestmark = pytest.mark.e2e

STALE_TOWNSHIP = "龙陵县勐糯镇人民政府"  # the demo's township whose news column went quiet
SEARCHES = ["住房公积金", "住房公积金", "森林防火", "没有这样的内容"]


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory: pytest.TempPathFactory, zhanqun_server) -> tuple[Server, str]:
    """A served demo cluster with a cluster admin key, and some searches in its log."""
    data_dir = demo_data(tmp_path_factory.mktemp("dashboard") / "data")
    issued = run_zhanqun(data_dir, "keys", "issue", "--cluster", "--scopes", "admin",
                         "--label", "dashboard test")  # fmt: skip
    token = issued.stdout.strip().splitlines()[-1]
    server = zhanqun_server(data_dir)
    for text in SEARCHES:
        urllib.request.urlopen(f"{server.base_url}/v1/search?q={urllib.parse.quote(text)}").read()
    _wait_for_search_log(server, token, len(SEARCHES))
    return server, token


def _wait_for_search_log(server: Server, token: str, expected: int) -> None:
    """Workers write their search logs every two seconds; wait until all of it is in."""
    request = urllib.request.Request(
        server.base_url + "/v1/analytics/searches", headers={"Authorization": f"Bearer {token}"}
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with urllib.request.urlopen(request) as response:
            if b'"searches":%d' % expected in response.read():
                return
        time.sleep(0.5)
    pytest.fail("the searches never reached the search log")


def log_in(page: Page, server: Server, token: str) -> None:
    page.goto(server.base_url + "/admin")
    expect(page).to_have_url(server.base_url + "/admin/login")
    page.get_by_label("管理密钥").fill(token)
    page.get_by_role("button", name="登录").click()
    expect(page).to_have_url(server.base_url + "/admin")


def test_an_operator_logs_in_and_reads_the_dashboard_at_a_glance(dashboard, browser):
    server, token = dashboard
    session = browser(viewport=DESKTOP)
    page = session.new_page()
    page.goto(server.base_url + "/admin")
    expect(page).to_have_url(server.base_url + "/admin/login")
    page.get_by_label("管理密钥").fill("zq_000000000000." + "A" * 43)
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("密钥无效")
    # The refusal is a 401, which the browser reports; nothing else may be reported.
    assert [e for e in session.console_errors if "401" not in e] == []
    session.console_errors.clear()

    log_in(page, server, token)
    (cookie,) = [c for c in session.context.cookies() if c["name"] == "zq_session"]
    assert cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Strict"
    assert token not in page.url

    charts = page.locator("figure.chart svg[role=img]")
    expect(charts).to_have_count(7)
    for index in range(7):
        expect(charts.nth(index)).to_be_visible()
        assert charts.nth(index).bounding_box()["height"] > 40
        assert charts.nth(index).locator("rect").count() > 0
    trend = page.get_by_role("img", name="各层级每月发布量")
    assert trend.locator("rect").count() > 12  # the legend and a column per tier and month
    expect(page.get_by_role("img", name="发布量前十的站点（近12个月）")).to_contain_text("保山市")
    failing = page.locator("#freshness").locator("xpath=..")
    expect(failing.get_by_role("table").first).to_contain_text(STALE_TOWNSHIP)
    expect(page.get_by_role("img", name="热门搜索词")).to_contain_text("住房公积金")
    expect(page.get_by_role("img", name="无结果搜索词")).to_contain_text("没有这样的内容")
    expect(page.locator("#indexer").locator("xpath=..")).to_contain_text("成功")

    shot = session.screenshot(page, "dashboard-desktop")
    assert shot.stat().st_size > 10_000
    assert session.console_errors == []

    page.get_by_role("button", name="退出登录").click()
    expect(page).to_have_url(server.base_url + "/admin/login")
    page.goto(server.base_url + "/admin")
    expect(page).to_have_url(server.base_url + "/admin/login")


def test_the_dashboard_on_a_phone_and_its_accessibility(dashboard, browser, axe):
    server, token = dashboard
    # axe-core is injected as a script, which the page's policy rightly forbids.
    session = browser(viewport=PHONE, bypass_csp=True)
    page = session.new_page()
    log_in(page, server, token)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, "the dashboard scrolls sideways on a phone"
    shot: Path = session.screenshot(page, "dashboard-phone")
    assert shot.exists()
    serious = [v for v in axe(page, "dashboard") if v["impact"] in SERIOUS]
    assert serious == []
    page.goto(server.base_url + "/admin/logout")  # a GET does not log out
    assert page.url.endswith("/admin/logout")
    page.context.clear_cookies()
    page.goto(server.base_url + "/admin/login")
    login_violations = [v for v in axe(page, "dashboard-login") if v["impact"] in SERIOUS]
    assert login_violations == []
