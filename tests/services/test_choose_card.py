"""Which service a query's words name (:func:`exchange.services.cards.choose_card`), on a small
catalogue of one city and one county: a word that is a name's own matter, a verb the name
does, a topic word a name only starts with."""

import pytest

from exchange.services.cards import choose_card
from exchange.services.catalogue import ServiceItem
from exchange.store.sites import Site

SITES = {
    "530500": Site("530500", "保山市人民政府", "city", None, "https://a.example", "open"),
    "530521": Site("530521", "施甸县人民政府", "county", "530500", "https://b.example", "open"),
}
NAMES = [
    "内地居民离婚登记",
    "义务教育阶段转学办理",
    "城乡居民基本养老保险参保登记",
    "基本养老保险关系转移接续",
    "失业保险金申领",
    "失业登记",
    "医保异地就医备案",
    "建设项目环境影响评价审批",
    "教师资格认定",
    "职业技能等级认定",
    "个人所得税综合所得汇算清缴",
    "不动产登记",
    "不动产权证书补发",
    "咖啡种植补贴申报",
    "咖啡种植技术培训报名",
    "新冠病毒疫苗接种预约",
    "统计违法行为举报",
]
ITEMS = [
    ServiceItem(f"{site}/{i}", site, name, f"{name}办事指南", f"https://x/{i}", None, ())
    for i, name in enumerate(NAMES)
    for site in SITES
]


def card_name(*wordings: list[str]) -> str | None:
    card = choose_card(ITEMS, list(wordings), SITES, "530521")
    return card and card.item.name


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # The word the name is about, before its generic end (登记, 办理): a quarter of it.
        (["离婚", "手续"], "内地居民离婚登记"),
        (["转学"], "义务教育阶段转学办理"),
        (["初中", "转学"], "义务教育阶段转学办理"),
        # A topic word the name starts with is not enough, nor beside an office's name.
        (["义务教育"], None),
        # A name with no generic end has no own matter apart from it.
        (["举报", "如何"], None),
        (["教育体育局", "义务教育"], None),
        (["医疗保障局", "医保"], None),
        # An office's name takes the one word a name may lack.
        (["教育体育局", "义务教育", "招生"], None),
        (["教育体育局", "转学"], "义务教育阶段转学办理"),
        # Beside a word the name lacks, a fifth of the name is enough (all but one word).
        (["个人所得税", "退税"], "个人所得税综合所得汇算清缴"),
    ],
)
def test_a_name_s_own_matter_names_it_a_topic_word_does_not(words, expected):
    assert card_name(words) == expected


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        # 养老保险 is in two names; 转 is done by one (转移), 交 by the other (参保).
        (["换", "工作", "养老保险", "怎么", "转"], "基本养老保险关系转移接续"),
        (["农村", "养老保险", "怎么", "交"], "城乡居民基本养老保险参保登记"),
        # 失业 is in two names; 领 is done by one (申领), also said with what is taken.
        (["领", "失业", "补助"], "失业保险金申领"),
        (["失业", "能", "领钱"], "失业保险金申领"),
        (["失业"], None),
        (["不动产", "怎么", "补"], "不动产权证书补发"),
        # A verb is done by how names write it, not by its character (补 of 补贴).
        (["咖啡", "种植", "怎么", "补"], None),
        # Without a verb, no one service is named.
        (["养老保险"], None),
        (["农村", "养老保险"], None),
    ],
)
def test_the_service_doing_what_the_query_asks_is_the_card(words, expected):
    assert card_name(words) == expected


def test_a_synonym_names_the_service_when_the_words_as_typed_fit_none():
    assert card_name(["办厂", "环评"], ["办厂", "环境影响评价"]) == "建设项目环境影响评价审批"
    # Not when the synonym is only a topic word of the name (新冠 of 新冠病毒疫苗接种预约).
    assert card_name(["召开", "新冠肺炎"], ["召开", "新冠"]) is None
    # When the typed words fit a name, a synonym's wording brings no rival missing a word.
    assert card_name(["教资", "证", "认定"], ["教师资格", "证", "认定"]) == "教师资格认定"
