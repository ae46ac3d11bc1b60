"""The screen a past query passes before the public is offered it: operators, shape, the
shipped blocklist (which must leave what government sites say in their ordinary sense alone)
and the operator's own words."""

import pytest

from exchange import cli, exit_codes
from exchange.query_screen import (
    BLOCKLIST_FILE,
    Blocklist,
    ScreenRules,
    has_operators,
    looks_like_a_search,
)

# Queries and title phrases government sites use, holding words a careless list would block.
ORDINARY = [
    "防范电信网络诈骗", "反诈骗宣传", "打击赌博违法犯罪", "体育彩票公益金", "税务机关代开发票",
    "公章刻制备案", "养老上门服务", "社保局联系电话", "如何领取补贴", "政务微信号", "威信县人民政府",
    "降低制度性交易成本", "印刷单位登记", "对口支援交流", "增加群众收入", "严禁卖淫嫖娼条例",
    "时代孕育伟大理论", "公司注册送达地址", "gov 服务", "vxworks",
]  # fmt: skip
# Spam, also written to slip past a naive list.
SPAM = [
    "澳门博彩官网", "澳 门 博 彩", "澳門博彩", "博.彩", "加微信领取补贴", "加 微 信", "ＶＸ 12345",
    "vx 公积金", "百家乐", "真人荷官", "兼职刷单", "办假证", "裸聊", "楼凤", "telegram 群",
]  # fmt: skip


@pytest.mark.parametrize("text", ORDINARY)
def test_the_shipped_blocklist_leaves_ordinary_government_words_alone(text):
    assert Blocklist.load().blocked_word(text) is None


@pytest.mark.parametrize("text", SPAM)
def test_the_shipped_blocklist_catches_spam_however_it_is_written(text):
    assert Blocklist.load().blocked_word(text) is not None


def test_the_operator_extends_the_list_in_the_data_dir(tmp_path):
    (tmp_path / BLOCKLIST_FILE).write_text("# 本地补充\n某某代办\nqqq\n", encoding="utf-8")
    extended = Blocklist.load(tmp_path)
    assert extended.blocked_word("某某 代办处") == "某某代办"
    assert extended.blocked_word("QQQ 论坛") == "qqq"
    assert extended.blocked_word("百家乐") == "百家乐"  # the shipped words stay
    assert Blocklist.load().blocked_word("某某代办") is None


@pytest.mark.parametrize(
    ("text", "operators"),
    [("公积金 OR 社保", True), ("公积金 or 社保", True), ("公积金 ＯＲ 社保", True),
     ('"国务院"', True), ("“国务院”", True), ("-通知", True), ("公积金 －通知", True),
     ("公积金提取", False), ("ORACLE 数据库", False), ("新冠-19", False)],
)  # fmt: skip
def test_operators_in_any_spelling_are_recognised(text, operators):
    assert has_operators(text) is operators


@pytest.mark.parametrize(
    ("text", "shaped"),
    [("医保", True), ("12345", True), ("2024年度报告", True), ("x", False), ("。。", False),
     ("公积金" * 14, False), ("加我 138 1234 5678", False), ("http://a.cn", False),
     ("abc.com 公积金", False)],
)  # fmt: skip
def test_a_suggestion_looks_like_a_search(text, shaped):
    assert looks_like_a_search(text) is shaped


def test_the_setting_is_parsed_and_checked(tmp_path, capsys):
    assert ScreenRules.parse("clients=3 past=14d") == ScreenRules(
        clients=3, past=ScreenRules().past / 30 * 14)  # fmt: skip
    for bad in ("clients=0", "clients=٣", "hot=forever", "people=3"):
        with pytest.raises(ValueError):
            ScreenRules.parse(bad)
    code = cli.main(["suggestions", "list", "--data-dir", str(tmp_path), "--suggestions", "x=1"])
    assert code == exit_codes.EXIT_USAGE
    assert "--suggestions / ZHANQUN_SUGGESTIONS" in capsys.readouterr().err
