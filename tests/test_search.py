"""Searching the index built from the store: phrases, highlights, filters, sorting, facets."""

from datetime import datetime

import pytest

from tests.conftest import record


@pytest.fixture
def indexed(zq):
    zq.push(
        "530500",
        record(
            "a1", "转发国务院办公厅关于加强政务公开的通知", "请认真贯彻落实国务院办公厅的部署。"
        ),
        record("a2", "市政府办公厅工作动态", "市政府办公厅传达学习国务院常务会议精神。"),
        record(
            "a3",
            "2019年5G基站建设进展",
            "全市建成5G基站1200个，COVID-19疫情期间保障通信。",
            published="2019-06-01",
        ),
    )
    zq.push(
        "530521",
        record(
            "b1",
            "施甸县住房公积金提取指南",
            "职工租房可以提取住房公积金。",
            doc_type="办事服务",
            column="办事服务/办事指南",
            published="2025-03-02",
        ),
        record(
            "b2", "施甸县乡村振兴工作会议召开", "会议部署乡村振兴重点工作。", published="2023-01-05"
        ),
    )
    zq.push(
        "530521100",
        record(
            "c1", "甸阳镇开展森林防火宣传", "甸阳镇组织森林防火宣传活动。", published="2024-12-01"
        ),
    )
    zq.index()
    return zq


def test_phrase_finds_adjacent_words_only(indexed):
    assert indexed.keys('"国务院办公厅"') == {"530500/a1"}
    # Without quotes the compound word still means the adjacent phrase.
    assert indexed.keys("国务院办公厅") == {"530500/a1"}
    # Both words apart: an unquoted query of two words finds both records.
    assert indexed.keys("国务院 办公厅") == {"530500/a1", "530500/a2"}


def test_highlights_mark_whole_words_in_mixed_text(indexed):
    [hit] = indexed.search("5G基站 2019").hits
    assert hit.title == "<mark>2019</mark>年<mark>5G</mark><mark>基站</mark>建设进展"
    assert "<mark>5G</mark><mark>基站</mark>1200个" in hit.snippet


def test_highlight_escapes_record_text(zq):
    zq.push(
        "530500", record("x", "<script>alert(1)</script>公告", "<img src=x onerror=alert(1)>公告")
    )
    zq.index()
    [hit] = zq.search("公告").hits
    assert "<script>" not in hit.title and "&lt;script&gt;" not in hit.title
    assert "<mark>公告</mark>" in hit.title
    assert "<img" not in hit.snippet


def test_word_inside_a_compound_is_found(indexed):
    assert "530521/b1" in indexed.keys("公积金")
    assert "530521/b1" in indexed.keys("住房")


def test_traditional_and_full_width_queries_find_simplified_text(indexed):
    assert indexed.keys("國務院辦公廳") == {"530500/a1"}
    assert "530500/a3" in indexed.keys("５Ｇ")


def test_exclusion_and_or(indexed):
    assert indexed.keys("办公厅 -国务院办公厅") == {"530500/a2"}
    assert indexed.keys("森林防火 OR 乡村振兴") == {"530521100/c1", "530521/b2"}
    assert indexed.keys("-办公厅", sites=["530500"]) == {"530500/a3"}


def test_filters_and_scopes(indexed):
    assert indexed.keys(sites=["530521"]) == {"530521/b1", "530521/b2"}
    assert indexed.keys(branch="530521") == {"530521/b1", "530521/b2", "530521100/c1"}
    assert indexed.keys(tiers=["township"]) == {"530521100/c1"}
    assert indexed.keys(filters={"doc_type": ["办事服务"]}) == {"530521/b1"}
    assert indexed.keys(filters={"column": ["办事服务/办事指南"]}) == {"530521/b1"}
    since = indexed.keys(published_from=datetime(2024, 6, 1))
    assert since == {"530521/b1", "530521100/c1"}


def test_newest_first_and_pages(indexed):
    first = indexed.search(sort="newest", page_size=2, page=1)
    second = indexed.search(sort="newest", page_size=2, page=2)
    assert first.total == 6
    assert [h.key for h in first.hits] == ["530521/b1", "530521100/c1"]
    assert [h.key for h in second.hits] == ["530500/a1", "530500/a2"]


def test_newest_first_within_a_filter_that_matches_nothing_is_empty(indexed):
    result = indexed.search(sort="newest", published_from=datetime(2099, 1, 1))
    assert (result.total, result.hits) == (0, [])


def test_facets_count_the_whole_result(indexed):
    result = indexed.search("", page_size=1)
    assert result.facets["tier"] == {"city": 3, "county": 2, "township": 1}
    assert result.facets["site"]["530521"] == 2
    assert result.facets["year"]["2024"] == 3


def test_title_match_ranks_above_body_match(zq):
    zq.push(
        "530500",
        record("body", "工作动态", "本周召开乡村振兴推进会，部署下一步工作。"),
        record("title", "乡村振兴推进会召开", "本周召开会议，部署下一步工作。"),
    )
    zq.index()
    assert next(h.key for h in zq.search("乡村振兴").hits) == "530500/title"


def test_strange_queries_never_fail(indexed):
    for text in ['"', '""', "-", "OR", "OR OR", "-国务院", "（）【】", "a" * 200, '"国务院 OR']:
        indexed.search(text)


def test_newest_first_puts_undated_records_last(zq):
    zq.push(
        "530500",
        record("undated", "公告", published=None),
        record("old", "公告", published="2015-01-01"),
        record("new", "公告", published="2025-01-01"),
    )
    zq.index()
    assert [h.key for h in zq.search("公告", sort="newest").hits] == [
        "530500/new",
        "530500/old",
        "530500/undated",
    ]
