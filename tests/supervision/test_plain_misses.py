"""Candidates for the plain-language table: a search that found nothing, followed by the same
visitor's search under another name and a click on its result, reaches the dashboard."""

from datetime import datetime, timedelta

from exchange.dashboard.session import COOKIE
from exchange.store import tables
from exchange.supervision.plain_misses import (
    FollowedBy,
    PlainCandidate,
    plain_language_candidates,
)
from tests.conftest import record
from tests.supervision.test_dashboard_auth import bearer_token, log_in

GUIDE = "办事服务/办事指南"


def searched(zq, at: str, query: str, results: int, client: str | None) -> None:
    row = {"at": datetime.fromisoformat(at), "query": query, "site": None, "scope": "cluster",
           "results": results, "took_ms": 3, "corrected_to": "", "client": client}  # fmt: skip
    with zq.store.write() as conn:
        conn.execute(tables.search_log.insert().values(**row))


def clicked(zq, at: str, query: str, record_key: str) -> None:
    site, _, local_id = record_key.partition("/")
    row = {"at": datetime.fromisoformat(at), "query": query, "site": None,
           "record_site": site, "record_id": local_id, "position": 1}  # fmt: skip
    with zq.store.write() as conn:
        conn.execute(tables.search_clicks.insert().values(**row))


def test_misses_followed_by_a_click_under_another_query_are_listed(zq):
    zq.push("530521", record("1", "施甸县生育登记办事指南", column=GUIDE))
    for client, hour in (("a" * 16, 10), ("b" * 16, 11)):
        searched(zq, f"2024-06-03T{hour}:00:00", "生孩子", 0, client)
        searched(zq, f"2024-06-03T{hour}:05:00", "生育登记", 1, client)
        clicked(zq, f"2024-06-03T{hour}:06:00", "生育登记", "530521/1")
    # Too late: the next search is an hour after the miss.
    searched(zq, "2024-06-03T12:00:00", "生孩子", 0, "c" * 16)
    searched(zq, "2024-06-03T13:00:00", "生育登记", 1, "c" * 16)
    clicked(zq, "2024-06-03T13:01:00", "生育登记", "530521/1")
    # Nothing opened after this miss; and a miss logged without a client hash.
    searched(zq, "2024-06-03T14:00:00", "火星移民", 0, "d" * 16)
    searched(zq, "2024-06-03T14:01:00", "生育登记", 1, "d" * 16)
    searched(zq, "2024-06-03T15:00:00", "准生证", 0, None)
    found = plain_language_candidates(
        zq.store, datetime(2024, 6, 1), datetime(2024, 6, 4), timedelta(minutes=30)
    )
    assert found == [
        PlainCandidate(
            "生孩子", 2, [FollowedBy("生育登记", "施甸县生育登记办事指南", "530521/1", 2)]
        )
    ]


def test_the_dashboard_lists_them(zq, client, search_log, key):
    zq.push("530521", record("1", "施甸县生育登记办事指南", url="https://530521.example.gov.cn/1.html",
                             column=GUIDE))  # fmt: skip
    zq.index()
    visitor = {"remote_addr": "203.0.113.7"}
    assert (
        client.simulate_get("/v1/search", params={"q": "有娃了去哪登记"}, **visitor).json["total"]
        == 0
    )
    client.simulate_get("/v1/search", params={"q": "生育登记"}, **visitor)
    search_log.flush()
    click = {"q": "生育登记", "r": "530521/1", "pos": "1"}
    assert client.simulate_get("/click", params=click, **visitor).status_code == 303
    cookie = log_in(client, bearer_token(key("admin"))).cookies[COOKIE].value
    page = client.simulate_get("/admin", cookies={COOKIE: cookie}).text
    assert '<h2 id="plain-language">白话词候选</h2>' in page
    assert "<td>有娃了去哪登记</td><td>1</td>" in page
    assert "生育登记 → 施甸县生育登记办事指南（1 位访客）" in page
