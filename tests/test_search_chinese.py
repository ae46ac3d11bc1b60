"""What a Chinese search box must forgive: pinyin, homophone typos, abbreviations, traditional
characters, single characters, words inside longer words; and what it must rank first."""

import pytest
from falcon import testing

from exchange.app import create_app
from exchange.store.sites import set_site_state
from tests.conftest import record


@pytest.fixture
def indexed(zq):
    zq.push(
        "530500",
        record("gjj1", "住房公积金提取办法", "职工购房可提取住房公积金。", published="2025-01-01"),
        record(
            "gjj2", "公积金贷款额度调整", "住房公积金贷款最高额度调整。", published="2025-02-01"
        ),
        record(
            "gjj3", "住房公积金提取常见问题", "提取住房公积金需要哪些材料。", published="2025-02-03"
        ),
        record(
            "yb1", "医疗保障局异地就医备案指南", "办理医保异地就医备案。", published="2025-03-01"
        ),
        record("yb2", "医保电子凭证推广", "医保电子凭证可在定点医院使用。", published="2025-03-02"),
        record("tax", "个人所得税汇算清缴", "税务部门提醒办理个税汇算。", published="2025-04-01"),
        record("fgw", "市发展和改革委员会召开会议", "发展和改革委员会部署重点项目。"),
        record("soft", "政务App安装简单", "新版政务App安装简单，操作方便。"),
    )
    zq.index()
    return zq


def test_homophone_typo_is_corrected(indexed):
    result = indexed.search("公基金")
    assert result.correction is not None
    assert (result.correction.query, result.correction.kind) == ("公积金", "typo")
    assert {h.key for h in result.hits} >= {"530500/gjj1", "530500/gjj2"}


def test_exact_search_skips_correction(indexed):
    result = indexed.search("公基金", correct=False)
    assert result.correction is None
    assert "530500/gjj1" not in {h.key for h in result.hits}


@pytest.mark.parametrize("typed", ["yibao", "yb", "YiBao"])
def test_pinyin_and_initials_find_the_word(indexed, typed):
    result = indexed.search(typed)
    assert result.correction.query == "医保"
    assert {"530500/yb1", "530500/yb2"} <= {h.key for h in result.hits}


def test_synonyms_and_abbreviations_work_both_ways(indexed):
    assert "530500/fgw" in indexed.keys("发改委")
    assert indexed.keys("医疗保障") >= {"530500/yb1", "530500/yb2"}
    assert indexed.keys("医保") >= {"530500/yb1", "530500/yb2"}


def test_single_character_and_word_inside_a_word(indexed):
    assert "530500/tax" in indexed.keys("税")
    assert "530500/soft" in indexed.keys("简单")
    assert "530500/soft" in indexed.keys("app")


def test_traditional_query(indexed):
    assert {"530500/gjj1", "530500/gjj2"} <= indexed.keys("住房公積金")


def test_recency_breaks_ties(zq):
    zq.push(
        "530500",
        record("old", "森林防火通告", "森林防火期禁止野外用火。", published="2015-03-01"),
        record("new", "森林防火通告", "森林防火期禁止野外用火。", published="2026-03-01"),
    )
    zq.index()
    assert [h.key for h in zq.search("森林防火").hits] == ["530500/new", "530500/old"]


def test_exact_phrase_ranks_first(zq):
    zq.push(
        "530500",
        record("apart", "关于数字经济和政府服务的说明", "数字经济发展。政府服务提升。"),
        record("phrase", "数字政府服务指南", "数字政府服务平台上线。"),
    )
    zq.index()
    assert zq.search("数字 政府").hits[0].key == "530500/phrase"


def test_closed_site_disappears_from_public_search(indexed):
    client = testing.TestClient(create_app(indexed.config, indexed.store, indexed.reader))
    assert client.simulate_get("/v1/search", params={"q": "公积金"}).json["total"] == 3
    set_site_state(indexed.store, "530500", "closed")
    client = testing.TestClient(create_app(indexed.config, indexed.store, indexed.reader))
    assert client.simulate_get("/v1/search", params={"q": "公积金"}).json["total"] == 0


def test_api_reports_the_correction(indexed):
    client = testing.TestClient(create_app(indexed.config, indexed.store, indexed.reader))
    body = client.simulate_get("/v1/search", params={"q": "公基金"}).json
    assert body["correction"] == {
        "query": "公积金",
        "original": "公基金",
        "kind": "typo",
        "applied": True,
    }
    exact = client.simulate_get("/v1/search", params={"q": "公基金", "exact": "1"}).json
    assert exact["correction"] is None


def test_suggestions_complete_chinese_pinyin_and_initials(indexed):
    client = testing.TestClient(create_app(indexed.config, indexed.store, indexed.reader))

    def texts(prefix: str) -> list[str]:
        body = client.simulate_get("/v1/suggest", params={"q": prefix}).json
        return [s["text"] for s in body["suggestions"]]

    assert "住房公积金" in texts("住房")
    assert "住房公积金" in texts("zhufang")
    assert "公积金" in texts("gj")
    assert "住房公积金提取" in texts("住房公积金")
    assert texts("") == []
    too_long = client.simulate_get("/v1/suggest", params={"q": "字" * 40})
    assert too_long.status_code == 400 and too_long.json["error"]["code"] == "query_too_long"


def test_synonym_words_are_segmented_alike_in_documents_and_queries(zq):
    # 新冠 is not a word of jieba's dictionary; it is one of the shipped synonyms.
    zq.push("530500", record("covid", "新冠病毒疫苗接种安排", "接种新冠病毒疫苗。"))
    zq.index()
    result = zq.search("新冠")
    assert result.correction is None
    assert [h.key for h in result.hits] == ["530500/covid"]


def test_operator_synonyms_file_extends_the_shipped_groups(zq, tmp_path):
    from indexer.engine.searching import IndexReader

    synonyms = tmp_path / "synonyms.txt"
    synonyms.write_text("# our own\n跑一次 最多跑一次改革\n", encoding="utf-8")
    zq.push("530500", record("1", "深化最多跑一次改革", "推进最多跑一次改革。"))
    zq.index(synonyms=synonyms)
    reader = IndexReader(zq.config.index_dir, refresh_seconds=0, synonyms=synonyms)
    from indexer.engine.searching import SearchRequest, search

    assert [h.key for h in search(reader, SearchRequest(text="跑一次")).hits] == ["530500/1"]
    reader.close()


def test_a_real_but_rare_word_keeps_its_results_and_gets_a_suggestion(zq):
    zq.push(
        "530500",
        record("rare", "拨动新兴产业的巧资金", "拨动新兴产业。"),
        *[record(f"c{i}", f"价格波动监测{i}", "物价波动。") for i in range(6)],
    )
    zq.index()
    result = zq.search("拨动")
    assert [h.key for h in result.hits] == ["530500/rare"]
    assert (result.correction.query, result.correction.applied) == ("波动", False)


def test_a_quoted_phrase_that_finds_nothing_falls_back_to_its_words(zq):
    zq.push("530500", record("1", "李克强发表演讲", "李克强在论坛上发表演讲。"))
    zq.index()
    result = zq.search('"演讲发表"')
    assert [h.key for h in result.hits] == ["530500/1"]
    assert result.correction.kind == "phrase"


def test_api_and_page_show_a_suggestion_that_was_not_applied(zq):
    zq.push(
        "530500",
        record("rare", "拨动新兴产业的巧资金", "拨动新兴产业。"),
        *[record(f"c{i}", f"价格波动监测{i}", "物价波动。") for i in range(6)],
    )
    zq.index()
    client = testing.TestClient(create_app(zq.config, zq.store, zq.reader))
    body = client.simulate_get("/v1/search", params={"q": "拨动"}).json
    assert body["correction"] == {
        "query": "波动",
        "original": "拨动",
        "kind": "typo",
        "applied": False,
    }
    assert [h["id"] for h in body["hits"]] == ["rare"]
    page = client.simulate_get("/search", params={"q": "拨动"}).text
    assert "您是不是要找" in page and "以下是" not in page


def test_a_city_is_found_by_its_name_without_the_suffix(zq):
    zq.push("530500", record("bj", "北京市预算监督条例", "北京市人民代表大会常务委员会通过。"))
    zq.index()
    assert indexed_keys(zq, "北京") == {"530500/bj"}
    assert indexed_keys(zq, "北京市 预算") == {"530500/bj"}


def indexed_keys(zq, text: str) -> set[str]:
    return {h.key for h in zq.search(text, correct=False).hits}
