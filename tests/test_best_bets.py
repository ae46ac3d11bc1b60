"""Best bets (推荐结果) as citizens meet them, through the real app: pinned records first on
page 1, for the searches from the site, the branch or the cluster they were pinned for, marked
in the API and on the results page, never shown expired or once no longer searchable."""

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from falcon import testing

from exchange.app import create_app
from exchange.best_bets import BestBets, expiry, last_day, pin
from exchange.errors import InvalidInput
from exchange.record_input import CLUSTER_TZ
from exchange.site_cache import SiteCache
from exchange.store.best_bets import BestBet, add_best_bet, remove_best_bet
from exchange.store.sites import set_site_state
from indexer.engine.searching import SearchRequest
from tests.conftest import record

TOWNSHIP, COUNTY, OTHER_COUNTY, CITY = "530521100", "530521", "530581", "530500"


class Clock:
    """The time the app's best bets are judged at; it moves only when a test moves it."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC).replace(tzinfo=None)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(zq, clock):
    zq.push(CITY, record("guide", "保山市住房公积金提取办事指南", "提取住房公积金的流程。"))
    zq.push(COUNTY, record("notice", "施甸县公积金缴存通知", "公积金缴存基数调整。"),
            record("guide", "施甸县公积金提取指南", "租房提取公积金。"))  # fmt: skip
    zq.push(OTHER_COUNTY, record("card", "腾冲市社会保障卡申领", "社保卡申领流程。"))
    zq.push(TOWNSHIP, *[record(f"n{i}", f"甸阳镇公积金政策宣传{i}") for i in range(12)])
    zq.index()
    # Read again at every search (a worker keeps them five seconds), judged at the test's time.
    best_bets = BestBets(zq.store, SiteCache(zq.store, ttl_seconds=0), ttl_seconds=0, now=clock)
    return testing.TestClient(create_app(zq.config, zq.store, zq.reader, best_bets=best_bets))


def pins(zq):
    """A pin for the township, one for the county's branch, one for the whole cluster."""
    pin(zq.store, "公积金", f"{CITY}/guide", "cli:test", site=TOWNSHIP)
    pin(zq.store, "公积金", f"{COUNTY}/guide", "cli:test", branch=COUNTY)
    pin(zq.store, "公积金", f"{OTHER_COUNTY}/card", "cli:test")


def search(client, **params) -> dict:
    response = client.simulate_get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    return response.json


def keys(body: dict) -> list[str]:
    return [f"{hit['site']}/{hit['id']}" for hit in body["hits"]]


def pinned(body: dict) -> list[str]:
    return [f"{hit['site']}/{hit['id']}" for hit in body["hits"] if hit["pinned"]]


def test_site_branch_and_cluster_pins_come_first_in_that_order(zq, client):
    before = search(client, q="公积金", site=TOWNSHIP, scope="cluster")
    assert pinned(before) == []
    pins(zq)
    body = search(client, q="公积金", site=TOWNSHIP, scope="cluster")
    expected = [f"{CITY}/guide", f"{COUNTY}/guide", f"{OTHER_COUNTY}/card"]
    assert keys(body)[:3] == pinned(body) == expected
    # Moved, not repeated: the page holds each record once; what the query found is unchanged.
    assert len(keys(body)) == len(set(keys(body)))
    assert body["total"] == before["total"]
    assert set(keys(body)[3:]) == set(keys(before)) - set(expected)
    # A pinned record found by the query keeps its highlights; one it did not find is shown
    # as the index holds it.
    assert body["hits"][1]["title"] == "施甸县<mark>公积金</mark>提取指南"
    assert body["hits"][2]["title"] == "腾冲市社会保障卡申领"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # The county is its own branch; the township's own pin is not for it.
        ({"site": COUNTY}, [f"{COUNTY}/guide", f"{OTHER_COUNTY}/card"]),
        ({"site": COUNTY, "scope": "branch"}, [f"{COUNTY}/guide", f"{OTHER_COUNTY}/card"]),
        # Another branch of the city: only the cluster's.
        ({"site": OTHER_COUNTY, "scope": "cluster"}, [f"{OTHER_COUNTY}/card"]),
        # The city is above the county's branch, not in it.
        ({"site": CITY}, [f"{OTHER_COUNTY}/card"]),
        ({}, [f"{OTHER_COUNTY}/card"]),
    ],
)
def test_a_pin_applies_only_where_it_was_pinned_for(zq, client, params, expected):
    pins(zq)
    assert pinned(search(client, q="公积金", **params)) == expected


def test_queries_are_compared_folded_and_only_page_one_is_pinned(zq, client):
    pins(zq)
    for typed in ("公積金", "  公积金 ", "公积金"):
        assert pinned(search(client, q=typed)) == [f"{OTHER_COUNTY}/card"]
    assert pinned(search(client, q="公积金 提取")) == []
    second = search(client, q="公积金", page=2, size=5)
    assert pinned(second) == [] and f"{OTHER_COUNTY}/card" not in keys(second)
    assert pinned(search(client, q="")) == []


def test_a_record_pinned_at_several_places_is_shown_once_at_the_first(zq, client):
    pin(zq.store, "公积金", f"{COUNTY}/guide", "cli:test")
    pin(zq.store, "公积金", f"{COUNTY}/guide", "cli:test", site=TOWNSHIP)
    body = search(client, q="公积金", site=TOWNSHIP, scope="cluster")
    assert pinned(body) == [f"{COUNTY}/guide"]
    assert keys(body).count(f"{COUNTY}/guide") == 1


def test_a_pinned_look_alike_is_not_folded_under_another_result(zq, client):
    zq.push(OTHER_COUNTY, record("guide", "腾冲市公积金提取指南", "租房提取公积金。"))
    zq.index()

    def county_guide(body: dict) -> dict:
        return next(h for h in body["hits"] if (h["site"], h["id"]) == (COUNTY, "guide"))

    before = search(client, q="公积金", site=COUNTY, scope="cluster")
    assert [s["site"] for s in county_guide(before)["similar"]] == [OTHER_COUNTY]
    pin(zq.store, "公积金", f"{OTHER_COUNTY}/guide", "cli:test")
    body = search(client, q="公积金", site=COUNTY, scope="cluster")
    assert pinned(body) == [f"{OTHER_COUNTY}/guide"]
    assert county_guide(body)["similar"] == [] and not county_guide(body)["pinned"]


def test_an_expired_or_removed_best_bet_is_not_shown(zq, client, clock):
    yesterday = clock.now - timedelta(days=1)
    add_best_bet(zq.store, "公积金", OTHER_COUNTY, "card", "cli:test", yesterday)
    assert pinned(search(client, q="公积金")) == []
    bet = pin(zq.store, "公积金", f"{OTHER_COUNTY}/card", "cli:test")
    assert pinned(search(client, q="公积金")) == [f"{OTHER_COUNTY}/card"]
    clock.now = bet.expires_at + timedelta(seconds=1)
    assert pinned(search(client, q="公积金")) == []
    clock.now = bet.expires_at - timedelta(seconds=1)
    assert pinned(search(client, q="公积金")) == [f"{OTHER_COUNTY}/card"]
    remove_best_bet(zq.store, bet.id, "cli:test")
    assert pinned(search(client, q="公积金")) == []


def test_a_pinned_record_withdrawn_or_of_a_closed_site_is_not_shown(zq, client):
    pins(zq)
    zq.push(COUNTY, {"id": "guide", "deleted": True})
    zq.index()
    # Closed before the app's first search: a worker reads the sites again every few seconds.
    set_site_state(zq.store, OTHER_COUNTY, "closed")
    body = search(client, q="公积金", site=TOWNSHIP, scope="cluster")
    assert pinned(body) == [f"{CITY}/guide"]
    assert f"{COUNTY}/guide" not in keys(body) and f"{OTHER_COUNTY}/card" not in keys(body)


def test_the_results_page_marks_pinned_results_in_words(zq, client):
    pins(zq)
    page = client.simulate_get("/search", params={"q": "公积金", "site": TOWNSHIP}).text
    assert page.count('<span class="pinned-label">推荐</span>') == 3
    hits = page.split('<li class="hit')[1:5]
    assert all(hit.startswith(' pinned">') for hit in hits[:3])
    assert "保山市住房<mark>公积金</mark>提取办事指南" in hits[0]
    assert "腾冲市社会保障卡申领" in hits[2]
    assert hits[3].startswith('">') and "推荐" not in hits[3]
    assert "推荐" not in client.simulate_get("/search", params={"q": "公积金", "page": "2"}).text


def test_a_best_bet_is_shown_through_its_last_day_in_cluster_time():
    today = date(2027, 3, 1)
    ends = expiry(date(2027, 3, 31), today)
    bet = BestBet(1, "公积金", CITY, "guide", None, None, ends, "cli:test", datetime(2027, 3, 1))
    assert last_day(bet) == date(2027, 3, 31)
    last_minute = datetime(2027, 3, 31, 23, 59, tzinfo=CLUSTER_TZ).astimezone(UTC)
    next_morning = datetime(2027, 4, 1, 0, 0, tzinfo=CLUSTER_TZ).astimezone(UTC)
    assert bet.active(last_minute.replace(tzinfo=None))
    assert not bet.active(next_morning.replace(tzinfo=None))
    assert last_day(replace(bet, expires_at=expiry(None, today))) == date(2027, 5, 30)
    assert expiry(today, today) > datetime(2027, 3, 1, 12)  # today is allowed: through tonight
    with pytest.raises(InvalidInput, match="in the past"):
        expiry(date(2027, 2, 28), today)


def test_a_worker_sees_a_new_best_bet_when_it_reads_them_again(zq):
    """What is pinned after a worker read the best bets shows once it reads them again (after
    a few seconds, or at once when the dashboard in that worker changed them)."""
    zq.push(OTHER_COUNTY, record("card", "腾冲市社会保障卡申领"))
    zq.index()
    best_bets = BestBets(zq.store, SiteCache(zq.store), ttl_seconds=3600)
    request = SearchRequest(text="社保")
    result = zq.search("社保")
    assert best_bets.pin(zq.reader, request, None, result).keys == frozenset()
    pin(zq.store, "社保", f"{OTHER_COUNTY}/card", "cli:test")
    assert best_bets.pin(zq.reader, request, None, result).keys == frozenset()
    best_bets.forget()
    assert best_bets.pin(zq.reader, request, None, result).keys == {f"{OTHER_COUNTY}/card"}
