"""Plain language (已为您匹配): a citizen's everyday words find the service items named by
their official terms, the words as typed are still searched, and the page and the API say
which official terms were used."""

from collections import Counter

import pytest
from falcon import testing

from exchange.analytics import SearchLog
from exchange.app import create_app
from exchange.popular import PopularQueries
from indexer.analysis import Segmenter
from indexer.engine.searching import IndexReader, SearchRequest, search
from indexer.plain_language import PlainLanguage, read_pairs, split
from indexer.synonyms import Synonyms
from tests.conftest import record

CATEGORIES = [
    "社保",
    "医保",
    "公积金",
    "户籍",
    "婚育",
    "教育",
    "住房",
    "企业开办",
    "税务",
    "交通",
    "不动产",
]
GUIDE = "办事服务/办事指南"


def shipped_pairs():
    return list(PlainLanguage.load().pairs.values())


def test_the_shipped_table_covers_every_service_area():
    pairs = shipped_pairs()
    assert len(pairs) >= 200
    per_category = Counter(pair.category for pair in pairs)
    assert all(per_category[c] >= 12 for c in CATEGORIES), per_category


def test_no_everyday_phrase_is_an_official_word_or_a_single_character():
    official = Segmenter().official_words() | Synonyms.load().words()
    for pair in shipped_pairs():
        assert len(pair.phrase) > 1, pair
        assert pair.phrase not in official, pair
        assert all(pair.phrase != term for term in pair.officials), pair


def test_the_split_is_stable_and_holds_out_about_half():
    halves = Counter(split(pair) for pair in shipped_pairs())
    assert set(halves) == {"dev", "test"} and min(halves.values()) >= 80
    assert split("生孩子") == split("生孩子") == split(read_pairs(["生孩子 = 生育登记"])[0])


@pytest.mark.parametrize(
    "typed, phrase",
    [
        ("公积金怎么取", "取公积金"),
        ("生孩子要办什么", "生孩子"),
        ("退休金在哪里领", "领退休金"),
        ("户口怎么上", "上户口"),
        ("我想开个小饭馆要办什么证", "开饭馆"),
        ("取公积金需要什么材料", "取公积金"),
        ("取自己的公积金", "取公积金"),
        ("砍自家的树要审批吗", "砍树"),
        ("公司注册流程", "注册公司"),
        ("注册一家公司", "注册公司"),
    ],
)
def test_question_words_around_an_everyday_phrase_are_set_aside(typed, phrase):
    (match,) = PlainLanguage.load().match(typed, Segmenter())
    assert match.phrase == phrase


@pytest.mark.parametrize(
    "typed", ["离开公司", "违章建筑", "企业年检", "户口上的地址", "公积金提取", "公司注册资本"]
)
def test_ordinary_queries_are_not_taken_over(typed):
    assert PlainLanguage.load().match(typed, Segmenter()) == []


@pytest.fixture
def births(zq):
    zq.push(
        "530521",
        record("1", "施甸县生育登记办事指南", "生育登记的办理条件和所需材料。", column=GUIDE),
        record("2", "出生医学证明补发服务指南", "出生医学证明遗失后补发。", column=GUIDE),
        record("3", "网民咨询生孩子后如何请产假的回复", "关于生孩子后产假天数的答复。"),
        record("4", "施甸县森林防火通告", "森林防火期禁止野外用火。"),
    )
    zq.index()
    return zq


def test_everyday_words_find_the_service_items_and_say_which_terms(births):
    result = births.search("生孩子")
    assert {hit.key for hit in result.hits} == {"530521/1", "530521/2", "530521/3"}
    assert result.matched == ["生育登记", "出生医学证明"]
    asked = births.search("生孩子要办什么")
    assert {hit.key for hit in asked.hits} == {"530521/1", "530521/2", "530521/3"}
    assert asked.matched == ["生育登记", "出生医学证明"]


def test_a_query_of_official_words_is_unchanged(births):
    result = births.search("生育登记")
    assert [hit.key for hit in result.hits] == ["530521/1"] and result.matched == []
    # Quoted, the everyday phrase is searched exactly as typed.
    quoted = births.search('"生孩子"')
    assert [hit.key for hit in quoted.hits] == ["530521/3"] and quoted.matched == []


def test_an_operator_adds_pairs_in_the_data_directory(zq):
    zq.push("530500", record("1", "残疾人证申领办事指南", "残疾人证申领流程。", column=GUIDE))
    zq.index()
    assert zq.search("办残疾证怎么办理").matched == []
    (zq.config.data_dir / "plain_language.txt").write_text(
        "# 本地补充\n[民政]\n办残疾证 = 残疾人证申领\n", encoding="utf-8"
    )
    reader = IndexReader(
        zq.config.index_dir,
        refresh_seconds=0,
        plain_language=zq.config.plain_language_file,
    )
    try:
        result = search(reader, SearchRequest(text="办残疾证怎么办理"))
    finally:
        reader.close()
    assert [hit.key for hit in result.hits] == ["530500/1"]
    assert result.matched == ["残疾人证申领"]


@pytest.mark.parametrize(
    "typed, official, title",
    [
        ("公积金怎么取", "住房公积金提取", "住房公积金提取"),
        ("开公司", "企业开办", "企业开办"),
        ("考导游证", "导游证申领", "导游证申领"),
    ],
)
def test_on_the_demo_cluster_plain_words_reach_the_service_guides(demo, typed, official, title):
    # The demo has no 生育 services: its own service items stand in for 生孩子 there.
    result = demo.search(typed, filters={"column": [GUIDE]})
    assert result.matched == [official]
    first = result.hits[0].title.replace("<mark>", "").replace("</mark>", "")
    assert title in first


@pytest.fixture
def app(births):
    log = SearchLog(births.store, flush_seconds=3600)
    popular = PopularQueries(births.store, ttl_seconds=0)
    return testing.TestClient(create_app(births.config, births.store, births.reader, log, popular))


def test_the_api_and_the_results_page_say_what_was_matched(app):
    body = app.simulate_get("/v1/search", params={"q": "生孩子"}).json
    assert body["matched"] == ["生育登记", "出生医学证明"] and body["total"] == 3
    assert app.simulate_get("/v1/search", params={"q": "生育登记"}).json["matched"] == []
    html = app.simulate_get("/search", params={"q": "生孩子"}).text
    assert '<p class="matched" role="status">已为您匹配「<strong>生育登记</strong>」' in html
    assert "已为您匹配" not in app.simulate_get("/search", params={"q": "生育登记"}).text


def test_a_record_holding_the_official_term_lacks_only_the_other_words(births):
    result = births.search("生孩子 火星")
    assert {hit.key for hit in result.hits} == {"530521/1", "530521/2", "530521/3"}
    assert result.missing == ["火星"] and all(hit.missing == ["火星"] for hit in result.hits)
    assert result.matched == ["生育登记", "出生医学证明"]


def test_an_official_term_no_record_holds_is_neither_searched_nor_named(births):
    # 领结婚证 means 结婚登记, which no record of this cluster holds; 准生证 means 生育登记
    # (held) or the older 生育服务证 (not held): only the first is named.
    assert births.search("领结婚证").matched == []
    assert births.search("准生证").matched == ["生育登记"]
    assert births.search("补出生证").matched == ["出生医学证明补发"]
