"""The freshness inspection on crafted columns: each threshold exactly at, just inside and just
beyond its edge, the veto counts at their boundaries, and the store read the way an inspector
sees the site (only published records count)."""

from datetime import datetime, timedelta

import pytest

from exchange.store.sites import add_column, set_site_state
from exchange.supervision.freshness import ColumnState, inspect_sites, judge_column, judge_site
from exchange.supervision.rules import Rules, Window
from tests.conftest import record

AT = datetime(2024, 8, 31, 4, 0, 0)  # the moment of inspection (UTC)
RULES = Rules()
SECOND = timedelta(seconds=1)


def column(kind: str, newest: datetime | None, path: str = "") -> ColumnState:
    return ColumnState("530500", path or f"栏目/{kind}", kind, newest is not None, newest)


@pytest.mark.parametrize(
    ("kind", "path", "edge", "finding"),
    [
        ("news", "政务动态/工作动态", AT - timedelta(days=14), "stale"),
        ("other", "首页/图片新闻", AT - timedelta(days=14), "stale"),  # a homepage column
        # Six calendar months before August 31st is the last day of February (a leap year).
        ("notice", "政务公开/通知公告", datetime(2024, 2, 29, 4, 0, 0), "stale"),
        ("policy", "政务公开/政策文件", datetime(2024, 2, 29, 4, 0, 0), "stale"),
        ("service", "办事服务/办事指南", datetime(2023, 8, 31, 4, 0, 0), "long_stale"),
        ("interaction", "互动交流/咨询回复", datetime(2023, 8, 31, 4, 0, 0), "long_stale"),
    ],
)
def test_each_window_includes_its_edge_and_nothing_older(kind, path, edge, finding):
    assert finding not in judge_column(column(kind, edge + SECOND, path), RULES, AT)  # inside
    assert finding not in judge_column(column(kind, edge, path), RULES, AT)  # exactly at
    assert finding in judge_column(column(kind, edge - SECOND, path), RULES, AT)  # beyond


def test_a_news_column_silent_for_a_year_is_both_stale_and_long_stale():
    old = AT - timedelta(days=400)
    assert judge_column(column("news", old), RULES, AT) == ("stale", "long_stale")
    assert judge_column(column("news", AT - timedelta(days=20)), RULES, AT) == ("stale",)


def test_static_columns_are_never_stale_but_can_be_empty():
    assert judge_column(column("other", AT - timedelta(days=3000)), RULES, AT) == ()
    assert judge_column(column("other", None), RULES, AT) == ("empty",)
    # An empty news column is reported as empty, not as stale as well.
    assert judge_column(column("news", None), RULES, AT) == ("empty",)


def test_a_column_of_undated_records_cannot_show_an_update():
    undated = ColumnState("530500", "政务动态/工作动态", "news", True, None)
    assert judge_column(undated, RULES, AT) == ("stale", "long_stale")


def site_with(columns: list[ColumnState]) -> list[str]:
    homepage = column("news", AT - timedelta(days=1), "首页/要闻动态")
    return judge_site("530500", "保山市", "city", [homepage, *columns], RULES, AT).vetoes


@pytest.mark.parametrize(
    ("finding_column", "limit", "veto"),
    [
        (lambda i: column("news", AT - timedelta(days=15), f"动态/{i}"), 5, "stale_columns"),
        (lambda i: column("notice", AT - timedelta(days=200), f"公告/{i}"), 5, "stale_columns"),
        (lambda i: column("service", AT - timedelta(days=400), f"服务/{i}"), 10,
         "long_stale_columns"),
        (lambda i: column("other", None, f"空白/{i}"), 5, "empty_columns"),
    ],
)  # fmt: skip
def test_veto_counts_apply_from_their_threshold_on(finding_column, limit, veto):
    below = [finding_column(i) for i in range(limit - 1)]
    assert site_with(below) == []
    assert site_with([*below, finding_column(limit)]) == [veto]


def test_stale_news_and_notice_columns_add_up_to_one_count():
    news = [column("news", AT - timedelta(days=15), f"动态/{i}") for i in range(3)]
    notices = [column("notice", AT - timedelta(days=200), f"公告/{i}") for i in range(2)]
    assert site_with(news + notices[:1]) == []
    assert site_with(news + notices) == ["stale_columns"]


def test_the_homepage_veto_and_its_two_weeks():
    fresh = column("news", AT - timedelta(days=14), "首页/要闻动态")
    stale = column("news", AT - timedelta(days=14) - SECOND, "首页/要闻动态")
    assert judge_site("1", "站", "city", [fresh], RULES, AT).vetoes == []
    verdict = judge_site("1", "站", "city", [stale], RULES, AT)
    assert verdict.vetoes == ["homepage_not_updated"] and not verdict.passed
    # Without 首页/ columns the homepage is the whole site: its newest record anywhere.
    plain = [column("policy", AT - timedelta(days=30), "政策文件")]
    assert judge_site("1", "站", "city", plain, RULES, AT, AT - timedelta(days=2)).passed
    assert not judge_site("1", "站", "city", plain, RULES, AT, AT - timedelta(days=15)).passed


def test_thresholds_follow_the_configured_rules():
    strict = Rules.parse("news=10d,stale=2")
    eleven_days = column("news", AT - timedelta(days=11))
    assert judge_column(eleven_days, strict, AT) == ("stale",)
    assert judge_column(eleven_days, RULES, AT) == ()
    assert Window.parse("6m").cutoff(datetime(2024, 8, 31)) == datetime(2024, 2, 29)
    assert Window.parse("1y").cutoff(datetime(2024, 2, 29)) == datetime(2023, 2, 28)
    for bad in ("news=0d", "news=2x", "stale=-1", "colour=5", "stale=a"):
        with pytest.raises(ValueError):
            Rules.parse(bad)


def test_inspecting_the_store_counts_only_what_a_visitor_can_see(zq):
    store = zq.store
    for path, kind in (("首页/要闻动态", "news"), ("政务公开/通知公告", "notice"),
                       ("政务公开/政策文件", "policy")):  # fmt: skip
        add_column(store, "530500", path, kind)
    fresh = (AT - timedelta(days=3)).isoformat() + "+00:00"
    zq.push(
        "530500",
        record("n1", "要闻", column="首页/要闻动态", published=fresh),
        # Newer, but not public, withdrawn or held: none of them freshens its column.
        record("c1", "通知", column="政务公开/通知公告", published=fresh, public=False),
        record("p1", "政策", column="政务公开/政策文件", published=fresh),
    )
    zq.push("530500", {"id": "p1", "deleted": True})
    report = inspect_sites(store, RULES, ["530500"], at=AT)
    (site,) = report.sites
    findings = {f.column.path: f.findings for f in site.columns}
    assert findings == {"政务公开/通知公告": ("empty",), "政务公开/政策文件": ("empty",)}
    assert site.passed and site.counts == {"stale": 0, "long_stale": 0, "empty": 2}


def test_closed_sites_are_not_inspected_and_failing_sites_come_first(zq):
    set_site_state(zq.store, "530581", "closed")
    add_column(zq.store, "530521", "首页/要闻动态", "news")
    zq.push("530500", record("1", "要闻", published=(AT - timedelta(days=1)).isoformat()))
    report = inspect_sites(zq.store, RULES, at=AT)
    codes = [s.code for s in report.sites]
    assert "530581" not in codes
    assert codes[-1] == "530500" and report.sites[-1].passed
    assert {s.code for s in report.failed} == set(codes) - {"530500"}
    assert report.as_dict()["sites_failed"] == len(codes) - 1
