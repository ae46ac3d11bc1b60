"""Property tests of Chinese analysis and query parsing, on text hypothesis makes up: mixed
Chinese, government words, Latin, digits, full-width forms, traditional characters,
punctuation and anything else Unicode holds.

* analysis never fails, and every token's offsets point into the text it came from, at the
  characters the token was made of;
* positions are sequential, so the phrase of the leaves is what the index holds;
* query parsing never fails except with :class:`QueryTooComplex`, and only on size.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.analysis import Segmenter
from indexer.analysis.normalize import fold
from indexer.engine.querying import (
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    QueryBuilder,
    QueryTooComplex,
    parse,
)

WORDS = ["住房公积金", "国务院办公厅", "保山市", "施甸县", "政务公开", "医保", "社保", "发改委",
         "國務院", "ＣＯＶＩＤ－１９", "PM2.5", "5G", "第12号", "2024年", "的", "和", "，", "。",
         "“", "”", "(", ")", " ", "-", "OR", '"', "shebao", "sb"]  # fmt: skip
# Every character that HTTP can deliver (a lone surrogate cannot be sent as UTF-8).
ANY_CHARACTER = st.characters(exclude_categories=["Cs"])
TEXT = st.lists(st.one_of(st.sampled_from(WORDS), st.text(ANY_CHARACTER, max_size=4)),
                max_size=30).map("".join)  # fmt: skip

SEGMENTER = Segmenter(["甸阳镇"])
PROPERTY = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(TEXT)
def test_folding_never_changes_the_length(text):
    assert len(fold(text)) == len(text)


@PROPERTY
@given(TEXT)
def test_index_tokens_point_at_their_own_characters(text):
    for term, _pos, start, end in SEGMENTER.index_tokens(text):
        assert 0 <= start < end <= len(text)
        assert fold(text[start:end]) == term


@PROPERTY
@given(TEXT)
def test_positions_are_sequential_from_zero(text):
    positions = [pos for _term, pos, _s, _e in SEGMENTER.index_tokens(text)]
    assert sorted(set(positions)) == list(range(len(set(positions))))
    assert positions == sorted(positions)


@PROPERTY
@given(TEXT)
def test_query_words_point_into_the_query(text):
    for word in SEGMENTER.query_words(text):
        assert 0 <= word.start < word.end <= len(text)
        assert fold(text[word.start : word.end]) == word.text
        assert "".join(word.leaves) == word.text


@PROPERTY
@given(TEXT)
def test_parsing_fails_only_on_size(text):
    try:
        parsed = parse(text)
        QueryBuilder(SEGMENTER).build(parsed)
    except QueryTooComplex:
        assert (
            len(text) > MAX_QUERY_CHARS
            or len(text.split()) > MAX_CLAUSES
            or (len(SEGMENTER.query_words(text)) > 32)
        )


@PROPERTY
@given(st.text(ANY_CHARACTER, min_size=MAX_QUERY_CHARS + 1, max_size=MAX_QUERY_CHARS + 50))
def test_an_overlong_query_is_refused_as_too_complex(text):
    with pytest.raises(QueryTooComplex):
        parse(text)
