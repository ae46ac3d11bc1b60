"""The phrase of an indexed sentence always finds it: whatever a site publishes, a citizen
who types a sentence of it in quotes gets that record back. Sentences are made up by
hypothesis from government words, names, traditional and full-width forms, Latin, digits and
any Chinese character, pushed through the real write path, indexed by the real indexer, and
searched through the real query path."""

import itertools
import os
import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indexer.analysis import Segmenter
from indexer.engine.searching import SearchRequest, search
from tests.conftest import record

PIECES = ["住房公积金", "国务院办公厅", "保山市", "施甸县", "甸阳镇", "政务公开", "医保",
          "发改委", "國務院", "辦公廳", "ＣＯＶＩＤ－１９", "PM2.5", "5G", "第12号", "2024年",
          "的", "和", "，", "。", "、", " ", "shebao", "OR", "-"]  # fmt: skip
ANALYSIS = Segmenter()
CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF)
PIECE = st.one_of(st.sampled_from(PIECES), st.text(CJK, min_size=1, max_size=3))
# A sentence with something to find: not only spaces, punctuation and stop words (的, 和),
# which are not indexed, so that no search finds a sentence made of them alone.
SENTENCE = st.lists(PIECE, min_size=1, max_size=12).map("".join).filter(ANALYSIS.words)
_ids = itertools.count()
# A CI run tries 25 sentence sets; PHRASE_EXAMPLES=1000 is a deeper search (about 5 minutes).
EXAMPLES = int(os.environ.get("PHRASE_EXAMPLES", "25"))


def found(zq, key: str, phrase: str, exact: bool) -> bool:
    page = 1
    while True:
        result = search(zq.reader, SearchRequest(text=f'"{phrase}"', page=page, page_size=50,
                                                 correct=not exact, facets=False))  # fmt: skip
        if any(hit.key == key for hit in result.hits):
            return True
        if page * 50 >= result.total:
            return False
        page += 1


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(st.lists(SENTENCE, min_size=5, max_size=10))
def test_the_phrase_of_an_indexed_sentence_always_finds_it(zq, sentences):
    # Hypothesis replays the same global random state in every example, and Whoosh names new
    # segments from it: without fresh randomness, each example's segment would reuse a name.
    random.seed()
    pushed = {}
    for sentence in sentences:
        local_id = f"s{next(_ids)}"
        zq.push("530521", record(local_id, f"公告{local_id}", f"前文。{sentence}。后文"))
        pushed[f"530521/{local_id}"] = sentence
    zq.index()
    for key, sentence in pushed.items():
        for exact in (True, False):
            assert found(zq, key, sentence, exact), (sentence, exact)
