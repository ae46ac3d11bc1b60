"""Initials (首字母) typed for a title a person remembers: read as the words some title holds
together, even where each word alone is far from the commonest word those letters spell."""

import pytest

from tests.conftest import record


def notices(prefix: str, titles: list[str]) -> list[dict]:
    return [record(f"{prefix}{i}", title, title) for i, title in enumerate(titles)]


@pytest.fixture
def cluster(zq):
    """执法 (zf) and 检查 (jc) each spelled by five commoner words, never in one title with
    each other; one title holds 执法 and 检查, apart."""
    common_zf = ["政府", "住房", "支付", "走访", "增幅"]
    common_jc = ["基层", "监测", "决策", "进出", "教材"]
    zq.push(
        "530500",
        *notices("zf", [f"{w}信息第{i}期" for w in common_zf for i in range(3)]),
        *notices("jc", [f"{w}动态第{i}期" for w in common_jc for i in range(3)]),
        record("law", "城管执法队伍开展夜间检查", "城管执法队伍开展夜间检查，整治占道经营。"),
        record("gjj", "住房公积金提取办法", "职工提取住房公积金的条件和材料。"),
        record("gjj2", "住房公积金贷款额度调整", "住房公积金贷款最高额度调整。"),
    )
    zq.index(full=True)
    return zq


def test_initials_are_read_as_words_a_title_holds_together(cluster):
    # Before: only the five commonest words of each pair of letters were tried (政府 基层 …),
    # and no title holds any two of them.
    result = cluster.search("zfjc")
    assert result.correction is not None and result.correction.kind == "pinyin"
    assert result.correction.query == "执法 检查"
    assert [h.key for h in result.hits] == ["530500/law"]


@pytest.mark.parametrize(("typed", "reading"), [("gjj", "公积金"), ("zfgjj", "住房公积金")])
def test_initials_of_a_word_find_the_records_holding_it(cluster, typed, reading):
    result = cluster.search(typed)
    assert result.correction.query == reading
    assert {h.key for h in result.hits} == {"530500/gjj", "530500/gjj2"}


def test_a_long_run_of_initials_is_answered_not_refused(cluster):
    # Read word by word apart (执法 检查 执法 检查 …), 36 letters would make a query of 18
    # parts, more than a query may have (query_too_complex), where the typed one has one.
    result = cluster.search("zfjc" * 9)
    assert result.correction is None or len(result.correction.query.split()) <= 16
