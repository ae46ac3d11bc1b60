"""``GET /v1/stats``: published records counted by tier, site, column and doc type, period by
period in the cluster's time, for the whole cluster or one branch."""

import pytest

from tests.conftest import record


@pytest.fixture
def published(zq):
    zq.push(
        "530500",
        record("june", "六月最后一晚", published="2024-06-30T23:30:00+08:00", column="要闻动态"),
        # Stored as June 30th 16:30 UTC, but published on July 1st in Baoshan.
        record("july", "七月第一早", published="2024-07-01T00:30:00+08:00", column="要闻动态"),
        record("hidden", "不公开", published="2024-07-02", public=False),
        record("gone", "已撤回", published="2024-07-02"),
    )
    zq.push("530500", {"id": "gone", "deleted": True})
    zq.push(
        "530521",
        record("c1", "施甸通知", published="2024-07-03", column="政务公开/通知公告",
               doc_type="政府文件"),
    )  # fmt: skip
    zq.push("530521100", record("t1", "甸阳镇动态", published="2024-07-08", column="要闻动态"))
    zq.push("530581", record("y1", "腾冲年末", published="2023-12-31T23:59:00+08:00"))
    return zq


def stats(client, **params) -> dict:
    response = client.simulate_get("/v1/stats", params=params)
    assert response.status_code == 200, response.json
    return response.json


def test_counts_by_tier_and_month_in_the_clusters_time(published, client):
    body = stats(client, by="tier", period="month", **{"from": "2024-06-01", "to": "2024-07-31"})
    assert body["periods"] == ["2024-06", "2024-07"]
    series = {s["key"]["tier"]: s["counts"] for s in body["series"]}
    assert series == {"city": [1, 1], "county": [0, 1], "township": [0, 1]}
    assert body["total"] == 4
    assert body["series"][0]["key"]["tier"] == "city"  # largest first


def test_days_and_weeks_start_at_midnight_and_on_monday(published, client):
    days = stats(client, period="day", **{"from": "2024-06-30", "to": "2024-07-01"})
    assert days["periods"] == ["2024-06-30", "2024-07-01"]
    assert days["series"] == [{"key": {}, "total": 2, "counts": [1, 1]}]
    weeks = stats(client, period="week", **{"from": "2024-07-01", "to": "2024-07-14"})
    assert weeks["periods"] == ["2024-07-01", "2024-07-08"]
    assert weeks["series"][0]["counts"] == [2, 1]
    years = stats(client, period="year", by="tier", **{"from": "2023-01-01", "to": "2024-12-31"})
    assert {s["key"]["tier"]: s["counts"] for s in years["series"]}["county"] == [1, 1]


def test_a_branch_and_several_dimensions(published, client):
    body = stats(client, by="site,column", period="year", branch="530521",
                 **{"from": "2024-01-01", "to": "2024-12-31"})  # fmt: skip
    keys = {(s["key"]["site"], s["key"]["column"], s["site_name"]) for s in body["series"]}
    assert keys == {
        ("530521", "政务公开/通知公告", "施甸县人民政府"),
        ("530521100", "要闻动态", "甸阳镇人民政府"),
    }
    doc_types = stats(client, by=["doc_type"], period="year", site="530521",
                      **{"from": "2024-01-01", "to": "2024-12-31"})  # fmt: skip
    assert doc_types["series"] == [{"key": {"doc_type": "政府文件"}, "total": 1, "counts": [1]}]


def test_the_default_span_is_the_last_year_by_month_and_answers_are_cacheable(published, client):
    response = client.simulate_get("/v1/stats")
    assert response.status_code == 200
    assert len(response.json["periods"]) in (12, 13)
    assert response.json["period"] == "month"
    assert "max-age=60" in response.headers["cache-control"]


@pytest.mark.parametrize(
    ("params", "field", "code"),
    [
        ({"period": "hour"}, "period", "invalid_input"),
        ({"by": "colour"}, "by", "invalid_input"),
        ({"by": "tier,tier"}, "by", "invalid_input"),
        ({"from": "2024-07-01", "to": "2024-06-01"}, "from", "invalid_input"),
        ({"from": "2024-13-01"}, "from", "invalid_input"),
        # Dates a span cannot reach past without leaving the calendar: a 400, never a 500.
        ({"to": "0001-01-01"}, "to", "invalid_input"),
        ({"from": "9999-12-30", "to": "9999-12-31"}, "to", "invalid_input"),
        ({"period": "day", "from": "2020-01-01", "to": "2024-01-01"}, "period", "range_too_long"),
        ({"branch": "999999"}, "branch", "unknown_site"),
    ],
)
def test_bad_parameters_are_refused_with_the_field_named(client, params, field, code):
    response = client.simulate_get("/v1/stats", params=params)
    assert response.status_code == 400
    assert response.json["error"]["field"] == field
    assert response.json["error"]["code"] == code
