"""The dashboard's 推荐结果 section: an operator adds and removes best bets behind the login,
from the dashboard's own pages only; each change is audited as the session's key and shows in
search at once."""

from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytest

from exchange.best_bets import last_day
from exchange.dashboard.session import COOKIE
from exchange.record_input import CLUSTER_TZ
from exchange.store.audit import recent_entries
from exchange.store.best_bets import list_best_bets
from tests.conftest import record

FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.fixture
def operator(zq, client, key):
    """The session cookie of an operator logged in with a cluster admin key, and its actor."""
    zq.push("530500", record("guide", "保山市住房公积金提取办事指南", "提取流程。"))
    zq.push("530521", record("notice", "施甸县公积金缴存通知"))
    zq.index()
    token = key("admin")["Authorization"].removeprefix("Bearer ")
    login = client.simulate_post("/admin/login", body=f"key={token}", headers=FORM)
    return {COOKIE: login.cookies[COOKIE].value}, f"key:{token[3:15]}"


def post(client, cookies, headers=None, **fields):
    return client.simulate_post("/admin/bestbets", body=urlencode(fields), cookies=cookies,
                                headers={**FORM, **(headers or {})})  # fmt: skip


def pinned(client, **params) -> list[str]:
    body = client.simulate_get("/v1/search", params={"q": "公积金", **params}).json
    return [f"{hit['site']}/{hit['id']}" for hit in body["hits"] if hit["pinned"]]


def test_the_operator_adds_and_removes_a_best_bet_from_the_dashboard(zq, client, operator):
    cookies, actor = operator
    page = client.simulate_get("/admin", cookies=cookies).text
    assert '<h2 id="best-bets">推荐结果</h2>' in page and "目前没有生效的推荐结果" in page
    last = (datetime.now(CLUSTER_TZ).date() + timedelta(days=10)).isoformat()
    fields = {"action": "add", "query": "公積金", "record": "530500/guide", "applies": "branch",
              "site": "530521", "expires": last, "note": "办事指南"}  # fmt: skip
    # Not without a session, not from another site's page.
    assert post(client, {}, **fields).headers["location"] == "/admin/login"
    assert post(client, cookies, {"Origin": "https://evil.example"}, **fields).status_code == 403
    assert list_best_bets(zq.store) == []
    added = post(client, cookies, **fields)
    assert added.status_code == 303 and added.headers["location"] == "/admin#best-bets"
    [bet] = list_best_bets(zq.store)
    assert (bet.query, bet.branch, bet.record_key, bet.actor) == ("公积金", "530521",
                                                                  "530500/guide", actor)  # fmt: skip
    assert last_day(bet).isoformat() == last
    page = client.simulate_get("/admin", cookies=cookies).text
    assert "生效中的推荐结果（1 条）" in page
    assert (f"<tr><td>公积金</td><td>施甸县人民政府（530521）及其下级站点的搜索</td>"
            f"<td>保山市住房公积金提取办事指南<br><small>530500/guide</small></td>"
            f"<td>{last}</td><td>{actor}</td><td>办事指南</td>") in page  # fmt: skip
    # In force at once in this worker: the township is in the county's branch, the city not.
    assert pinned(client, site="530521100") == ["530500/guide"]
    assert pinned(client, site="530500") == []
    removed = post(client, cookies, action="remove", id=str(bet.id))
    assert removed.status_code == 303 and list_best_bets(zq.store) == []
    assert pinned(client, site="530521100") == []
    entries = [(e.action, e.actor, e.target) for e in recent_entries(zq.store)
               if e.action.startswith("bestbet.")]  # fmt: skip
    assert entries == [("bestbet.remove", actor, "公积金"), ("bestbet.add", actor, "公积金")]


@pytest.mark.parametrize(
    ("fields", "status", "says"),
    [
        ({"record": "530500/missing"}, 404, "unknown_record"),
        ({"record": "530500/guide", "applies": "site"}, 400, "missing_field"),
        ({"record": "530500/guide", "applies": "site", "site": "999"}, 404, "unknown_site"),
        ({"record": "530500/guide", "expires": "2020-01-01"}, 400, "expiry_in_past"),
        ({"record": "530500/guide", "expires": "soon"}, 400, "invalid_date"),
        ({"record": "530500/guide", "query": " "}, 400, "missing_field"),
        ({"record": "530500/guide", "action": "pin"}, 400, "invalid_input"),
        ({"record": "530500/guide", "query": "公积金\x00"}, 400, "invalid_character"),
    ],
)
def test_a_refused_form_says_why_and_changes_nothing(zq, client, operator, fields, status, says):
    cookies, _ = operator
    response = post(client, cookies, **{"action": "add", "query": "公积金", **fields})
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "推荐结果未保存" in response.text and says in response.text
    assert 'href="/admin#best-bets"' in response.text
    assert list_best_bets(zq.store, include_expired=True) == []
    assert recent_entries(zq.store, action="bestbet.add") == []


def test_removing_an_unknown_best_bet_is_refused(client, operator):
    cookies, _ = operator
    for bet_id in ("42", "x", "99999999999"):
        response = post(client, cookies, action="remove", id=bet_id)
        assert response.status_code in (400, 404) and "推荐结果未保存" in response.text
