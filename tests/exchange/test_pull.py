"""``GET /v1/changes`` and ``GET /v1/records/{site}/{id}``: cursors, filters, sharing rules,
tombstones and long-poll, through the real app."""

import threading
import time

import pytest

from exchange.cursor import encode
from exchange.store.audit import recent_entries
from tests.conftest import record


def keyed(entries: list[dict]) -> dict[str, dict]:
    return {f"{e['site']}/{e['id']}": e for e in entries}


def test_pages_follow_commit_order_with_full_records_and_tombstones(api):
    api.push("city", [record(str(i), f"公告{i}", column="政务公开/通知公告") for i in range(5)])
    api.push("city", [record("1", "公告1（修订）"), {"id": "3", "deleted": True}])
    first = api.changes("puller", limit=2)
    assert [e["id"] for e in first["changes"]] == ["0", "2"] and first["more"]
    rest = api.changes("puller", since=first["next"], limit=10)
    assert [(e["id"], e["seq"]) for e in rest["changes"]] == [("4", 5), ("1", 6), ("3", 7)]
    assert not rest["more"]
    updated, tombstone = rest["changes"][1], rest["changes"][2]
    assert updated["title"] == "公告1（修订）" and updated["version"] == 2
    assert updated["column"] == "" and updated["published"] == "2024-05-01T00:00:00+08:00"
    assert tombstone == {"site": "530500", "id": "3", "seq": 7, "deleted": True}
    assert set(rest["sites"]) == {"530500"}
    # Caught up: the same cursor again gives nothing and keeps its place.
    again = api.changes("puller", since=rest["next"])
    assert again["changes"] == [] and again["next"] == rest["next"]


def test_sharing_rules_decide_what_a_peer_gets(api, zq):
    api.push(
        "city",
        [
            record("open", "无条件共享"),
            record("cond", "有条件共享", share="conditional"),
            record("mine", "不予共享", share="none"),
            record("internal", "不公开但共享", public=False),
        ],
    )
    county = keyed(api.pull_all("county"))
    # 不予共享 never leaves its site; 有条件共享 without a grant comes as a content-free
    # tombstone (the reader cannot be told apart from one that had it before).
    assert set(county) == {"530500/open", "530500/internal", "530500/cond"}
    assert county["530500/cond"] == {"site": "530500", "id": "cond", "seq": 2, "deleted": True}
    assert county["530500/internal"]["public"] is False
    # The city's own key and the operator see everything of the city.
    for who in ("city", "operator"):
        entries = keyed(api.pull_all(who))
        assert {e["title"] for e in entries.values()} == {
            "无条件共享",
            "有条件共享",
            "不予共享",
            "不公开但共享",
        }

    # A grant lets the county pull conditional records, by API and from then on.
    granted = api.client.simulate_put("/v1/grants/530500/530521", headers=api.headers("city"))
    assert granted.status_code == 201 and granted.json["created"] is True
    assert keyed(api.pull_all("county"))["530500/cond"]["title"] == "有条件共享"
    assert keyed(api.pull_all("tengchong"))["530500/cond"]["deleted"] is True
    listed = api.get("/v1/grants", "city").json["grants"]
    assert [(g["owner"], g["grantee"]) for g in listed] == [("530500", "530521")]
    # Only the owner (or the operator) manages its grants.
    foreign = api.client.simulate_put("/v1/grants/530521/530581", headers=api.headers("city"))
    assert (foreign.status_code, foreign.json["error"]["code"]) == (403, "site_not_owned")
    revoked = api.client.simulate_delete("/v1/grants/530500/530521", headers=api.headers("city"))
    assert revoked.status_code == 204
    again = api.client.simulate_delete("/v1/grants/530500/530521", headers=api.headers("city"))
    assert (again.status_code, again.json["error"]["code"]) == (404, "unknown_grant")
    assert keyed(api.pull_all("county"))["530500/cond"]["deleted"] is True
    assert [e.action for e in recent_entries(zq.store, site="530500")][:2] == [
        "grant.remove",
        "grant.add",
    ]


def test_a_narrowed_record_reaches_earlier_readers_as_a_tombstone_and_no_one_else(api):
    api.push("city", [record("1", "先共享后收回")])
    before = api.changes("county")
    assert [e["title"] for e in before["changes"]] == ["先共享后收回"]
    api.push("city", [record("1", "先共享后收回", share="none")])
    after = api.changes("county", since=before["next"])
    assert after["changes"] == [{"site": "530500", "id": "1", "seq": 2, "deleted": True}]
    # A record that was never shared never leaves its site, not even as an id.
    api.push("city", [record("2", "从未共享", share="none"), {"id": "2", "deleted": True}])
    assert "530500/2" not in keyed(api.pull_all("county"))
    assert keyed(api.pull_all("city"))["530500/2"]["deleted"] is True


def test_filters_by_site_tier_and_branch_still_move_the_cursor(api):
    api.push("city", [record("c1", "市级")])
    api.push("county", [record("x1", "县级")])
    api.push("township", [record("t1", "乡镇")])
    api.push("tengchong", [record("k1", "腾冲")])
    assert [e["id"] for e in api.pull_all("operator", tier="county")] == ["x1", "k1"]
    assert [e["id"] for e in api.pull_all("operator", branch="530521")] == ["x1", "t1"]
    assert [e["id"] for e in api.pull_all("operator", site=["530500", "530581"])] == ["c1", "k1"]
    assert [e["id"] for e in api.pull_all("operator", branch="530521", tier="township")] == ["t1"]
    # Nothing matches, but the cursor moves to the end so the next call scans nothing.
    page = api.changes("operator", site="530500-fgw")
    assert page["changes"] == [] and not page["more"]
    api.push("city", [record("c2", "市级二")])
    assert api.changes("operator", since=page["next"])["changes"][0]["id"] == "c2"


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"since": "not a cursor"}, 400, "invalid_cursor"),
        ({"since": "eyJ2IjoxfQ"}, 400, "invalid_cursor"),
        ({"since": encode("another-store", 1)}, 410, "cursor_expired"),
        ({"limit": "0"}, 400, "invalid_input"),
        ({"limit": "1001"}, 400, "invalid_input"),
        ({"wait": "31"}, 400, "invalid_input"),
        ({"wait": "soon"}, 400, "invalid_input"),
        ({"site": "999999"}, 400, "unknown_site"),
        ({"branch": "999999"}, 400, "unknown_site"),
        ({"tier": "galaxy"}, 400, "invalid_input"),
    ],
)
def test_bad_pull_parameters(api, params, status, code):
    response = api.get("/v1/changes", "puller", **params)
    assert response.status_code == status, response.text
    assert response.json["error"]["code"] == code


def test_a_cursor_beyond_the_end_of_this_store_is_expired(api, zq):
    from exchange.store.migrations import store_id

    with zq.store.read() as conn:
        future = encode(store_id(conn), 99)
    response = api.get("/v1/changes", "puller", since=future)
    assert (response.status_code, response.json["error"]["code"]) == (410, "cursor_expired")


def test_long_poll_answers_as_soon_as_a_change_commits(api):
    start = api.changes("puller")
    pushed_at: list[float] = []

    def push_later() -> None:
        time.sleep(0.5)
        pushed_at.append(time.monotonic())
        api.push("city", [record("late", "迟到的公告")])

    pusher = threading.Thread(target=push_later)
    began = time.monotonic()
    pusher.start()
    page = api.changes("puller", since=start["next"], wait=10)
    answered = time.monotonic()
    pusher.join()
    assert [e["id"] for e in page["changes"]] == ["late"]
    assert answered - pushed_at[0] < 1.5 and answered - began < 5
    # With nothing coming, the wait runs out and the page is empty.
    began = time.monotonic()
    quiet = api.changes("puller", since=page["next"], wait=1)
    assert quiet["changes"] == [] and 0.9 < time.monotonic() - began < 3


def test_one_record_as_the_key_may_see_it(api):
    api.push(
        "city",
        [
            record(
                "1", "公开", index_no="11530500015173411X/2024-00012", doc_no="保政发〔2024〕1号"
            ),
            record("2", "不予共享", share="none"),
            record("3", "机密★ 文件"),
        ],
    )
    one = api.get("/v1/records/530500/1", "county")
    assert one.status_code == 200
    assert one.json["index_no"] == "11530500015173411X/2024-00012"
    assert one.json["doc_no"] == "保政发〔2024〕1号" and one.json["seq"] == 1
    assert api.get("/v1/records/530500/2", "county").json["error"]["code"] == "unknown_record"
    assert api.get("/v1/records/530500/2", "city").json["title"] == "不予共享"
    assert api.get("/v1/records/530500/3", "city").status_code == 404
    held = api.get("/v1/records/530500/3", "operator")
    assert held.status_code == 200 and held.json["review"] == "held"
    assert api.get("/v1/records/530500/404", "operator").status_code == 404
    assert api.get("/v1/records/530500/1").status_code == 401
