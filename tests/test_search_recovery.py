"""Queries nobody tuned for: what was typed is always searched and never overruled while it
finds something; a query that finds nothing recovers (a typo anywhere, pinyin of the whole
query, a compound apart, all but one word) and says how; a remembered title comes first."""

import pytest
from falcon import testing

from exchange.app import create_app
from tests.conftest import record


def notices(site: str, prefix: str, titles: list[str], body: str = "") -> list[dict]:
    return [record(f"{prefix}{i}", title, body or title) for i, title in enumerate(titles)]


@pytest.fixture
def news(zq):
    """Common words that sound like rarer ones (新建/新疆, 防止/反制), names, and a meeting."""
    zq.push(
        "530500",
        *notices("530500", "xj", [f"新建道路第{i}期工程开工" for i in range(8)]),
        *notices("530500", "fz", [f"防止措施落实情况通报第{i}号" for i in range(8)]),
        *notices("530500", "wk", [f"乌克兰局势最新进展{i}" for i in range(3)]),
        *notices("530500", "wu", [f"无可替代的第{i}项工作" for i in range(6)]),
        *notices("530500", "gw", ["国务院常务会议研究部署稳就业工作", "国务院常务会议听取汇报"]),
        *notices("530500", "xf", ["消费火热，市场繁荣：节日经济观察"]),
        record("gjj", "住房公积金提取办法", "职工提取住房公积金的条件和材料。"),
    )
    zq.index(full=True)
    return zq


def test_a_correct_rare_word_keeps_its_results_after_an_incremental_run(news):
    # New words arrive with an incremental run, before any lexicon recount.
    news.push(
        "530521",
        record("c1", "新疆棉花丰收", "新疆棉花采摘进度过半。"),
        record("c2", "反制措施出台", "有关部门宣布反制措施。"),
    )
    news.index()
    for typed, expected in (("新疆棉花", "530521/c1"), ("反制措施", "530521/c2")):
        result = news.search(typed)
        assert [h.key for h in result.hits] == [expected], typed
        assert result.correction is None or not result.correction.applied, typed


def test_a_typo_that_splits_a_name_is_fixed_to_the_name(news):
    result = news.search("乌克蓝局势")
    assert result.correction is not None and result.correction.applied
    assert result.correction.query == "乌克兰局势"
    assert {h.key for h in result.hits} == {f"530500/wk{i}" for i in range(3)}


def test_a_word_no_record_holds_is_fixed_even_when_its_pieces_find_something(news):
    result = news.search("公基金提取")
    assert result.correction.applied and result.correction.query == "公积金提取"
    assert result.hits[0].key == "530500/gjj"


@pytest.mark.parametrize(
    "typed",
    [
        "guowuyuanchangwuhuiyi",
        "guowuyuan changwu huiyi",
        "国务院 changwuhuiyi",
        "GuoWuYuan ChangWu",
    ],
)
def test_pinyin_of_a_whole_query_is_read_as_words(news, typed):
    result = news.search(typed)
    assert result.correction is not None and result.correction.kind == "pinyin", typed
    assert {h.key for h in result.hits} == {"530500/gw0", "530500/gw1"}


def test_a_compound_the_record_splits_differently_still_matches(news):
    result = news.search("消费市场")
    assert [h.key for h in result.hits] == ["530500/xf0"]
    assert result.missing == []


def test_a_query_with_one_word_too_many_shows_what_it_left_out(news):
    result = news.search("住房公积金提取火星")
    assert [h.key for h in result.hits] == ["530500/gjj"]
    assert result.missing == ["火星"] and result.hits[0].missing == ["火星"]
    client = testing.TestClient(create_app(news.config, news.store, news.reader))
    body = client.simulate_get("/v1/search", params={"q": "住房公积金 提取 火星"}).json
    assert body["missing"] == ["火星"]
    assert body["hits"][0]["missing"] == ["火星"]
    page = client.simulate_get("/search", params={"q": "住房公积金 提取 火星"}).text
    assert "缺少字词" in page and "火星" in page


def test_a_fix_never_breaks_a_word_the_index_holds(news):
    # 基金 is far more used than 积金, but 积金 is no slip: it is part of 住房公积金.
    news.push(
        "530521",
        *[record(f"jj{i}", f"基金会第{i}次理事会", "基金运作。") for i in range(12)],
        # What the broken word would find: a record with that very slip in it.
        record("mars", "住房公基金与火星探测", "科普活动。"),
    )
    news.index()
    result = news.search("住房公积金 火星")
    assert result.correction is None
    missing = {h.key: h.missing for h in result.hits}
    assert missing["530500/gjj"] == ["火星"]


def test_nothing_found_and_nothing_to_relax_is_an_empty_page(news):
    result = news.search("火星探测")
    assert result.total == 0 and result.hits == [] and result.missing == []


def test_a_title_holding_every_typed_word_beats_newer_records_that_only_mention_them(zq):
    zq.push(
        "530500",
        record(
            "old",
            "保山市人民政府关于印发保山市森林防火条例实施细则的通知（2012年修订版）",
            "各县（市、区）人民政府，市直各部门：现将细则印发给你们，请认真贯彻执行。",
            published="2012-03-01",
        ),
        *[
            record(
                f"new{i}",
                f"森林防火实施细则解读（{i}）",
                "依照条例，条例规定，条例要求，森林防火实施细则配套条例执行。" * 2,
                published=f"2026-0{1 + i % 6}-0{1 + i % 9}",
            )
            for i in range(12)
        ],
    )
    zq.index()
    # As remembered, not as the title has it: no exact phrase to go by.
    result = zq.search("实施细则 森林防火 条例")
    assert result.hits[0].key == "530500/old"


def test_typed_together_in_title_order_ranks_first(zq):
    zq.push(
        "530500",
        record("a", "森林防火宣传月：学习条例", "活动通知。", published="2026-05-01"),
        record("b", "森林防火条例修订说明", "修订说明。", published="2015-05-01"),
    )
    zq.index()
    assert [h.key for h in zq.search("森林防火条例").hits][:2] == ["530500/b", "530500/a"]


def test_the_lexicon_is_current_after_every_run_that_changes_the_index(zq):
    zq.push("530500", record("1", "公积金提取", "公积金"))
    zq.index()
    zq.push("530500", *[record(f"t{i}", f"腾冲翡翠市场第{i}期", "翡翠交易") for i in range(3)])
    zq.index()
    # Pinyin of a word that arrived with the incremental run is respelled at once.
    result = zq.search("feicui")
    assert result.correction is not None and result.correction.query == "翡翠"
    assert result.total == 3
