"""Did you mean: respelling pinyin and fixing homophone typos against the index's lexicon.

Two mistakes dominate Chinese search boxes:

* the query is typed in pinyin or initials (``shebao``, ``sb``) because the input method was
  off or the user was lazy — respelled into the indexed words it spells;
* the input method picked a wrong character with the right sound (公基金 for 公积金) — fixed
  by looking for an indexed word of the same length whose (fuzzy) pinyin is the same, much
  more used than what was typed.

>>> from indexer.lexicon import Entry, Lexicon
>>> lexicon = Lexicon([Entry("公积金", 50, 20, ("gong", "ji", "jin")),
...                    Entry("医保", 30, 10, ("yi", "bao"))])
>>> from indexer.analysis import Segmenter
>>> fix_homophones("公基金提取", Segmenter(), lexicon)
Fix(text='公积金提取', certain=True)
>>> respell_pinyin("yibao", lexicon)
['医保']
>>> respell_pinyin("yb", lexicon)
['医保']
"""

import itertools
import re
from dataclasses import dataclass

from indexer.analysis import Segmenter
from indexer.analysis.normalize import fold
from indexer.lexicon import Lexicon

_LETTERS = re.compile(r"^[a-z]{2,24}$")
# A respelling must be this many times more used than the word it replaces.
DOMINANCE = 5
MIN_DF = 2
MAX_CANDIDATES = 3


def respell_pinyin(
    word: str, lexicon: Lexicon, preferred: frozenset[str] = frozenset()
) -> list[str]:
    """Indexed words that ``word`` spells in full pinyin, else in initials.

    Official vocabulary (``preferred``: the government dictionary, synonyms, the cluster's
    names) comes first, then the most used words: initials are how people type the names
    they know (``gjj`` is 公积金 on a government site, not 工具件).
    """
    word = word.lower()
    if not _LETTERS.match(word):
        return []
    found = lexicon.spelled(word)
    if not found and len(word) <= 6:
        found = lexicon.by_initials(word, 50)
    found.sort(key=lambda term: term not in preferred)
    return found[:MAX_CANDIDATES]


@dataclass(frozen=True)
class Fix:
    """A respelled query; ``certain`` when what was typed is not a word of the index at all."""

    text: str
    certain: bool


def fix_homophones(text: str, segmenter: Segmenter, lexicon: Lexicon) -> Fix | None:
    """The text with its likeliest homophone typo fixed, or None if nothing looks wrong.

    The text is folded first: 兩條 is 两条, a word of the index, not a typo for 链条.
    """
    text = fold(text)
    words = segmenter.query_words(text)
    spans = [(w.start, w.end) for w in words]
    # A typo often splits the intended word in two (公基金 → 公 + 基金): try neighbours joined.
    spans += [(a.start, b.end) for a, b in itertools.pairwise(words) if b.start == a.end]
    spans.sort(key=lambda span: span[0] - span[1])
    for start, end in spans:
        typed = text[start:end]
        if len(typed) < 2 or not all("\u3400" <= ch <= "\u9fff" for ch in typed):
            continue
        typed_df = lexicon.df(typed)
        for candidate in lexicon.homophones(typed):
            if lexicon.df(candidate) >= max(MIN_DF, DOMINANCE * typed_df):
                return Fix(text[:start] + candidate + text[end:], certain=typed_df == 0)
            break
    return None
