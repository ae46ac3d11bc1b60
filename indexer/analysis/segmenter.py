"""Segmentation of Chinese text into index tokens and query words, over jieba-rs.

jieba-rs (the ``rjieba`` binding) is the jieba algorithm and dictionary in Rust: the same
words as Python jieba, about seventeen times faster. HMM guessing of unknown words is off
on both sides, so a text and a query that contains part of it break unknown words the same
way (into single characters) instead of guessing differently in different contexts.

>>> seg = Segmenter(["施甸县"])
>>> [w.text for w in seg.query_words("施甸县国务院办公厅")]
['施甸县', '国务院办公厅']
>>> seg.split("国务院办公厅")
('国务院', '办公厅')
>>> seg.leaves("国务院办公厅")
('国务', '院', '办公', '厅')
"""

import importlib.resources
import re
from collections.abc import Iterable
from dataclasses import dataclass

import rjieba

from indexer.analysis.normalize import fold

_WORDLIKE = re.compile(r"\w")
_LEAF_CACHE_LIMIT = 500_000

IndexToken = tuple[str, int, int, int]
"""(term, position, start character, end character)."""
_Template = tuple[tuple[tuple[str, int, int], ...], int]
"""A word's index tokens as (term, position offset, offset of its first character in the word),
and how many positions the word spans."""


@dataclass(frozen=True, slots=True)
class QueryWord:
    """A coarse word of a query and the fine leaves it is indexed as."""

    text: str
    leaves: tuple[str, ...]
    start: int
    end: int


def _shipped_words(name: str) -> list[str]:
    text = (importlib.resources.files("indexer") / "data" / name).read_text(encoding="utf-8")
    return [line.split()[0] for line in text.splitlines() if line.strip() and line[0] != "#"]


class Segmenter:
    """A jieba dictionary (the default one, the government words, the cluster's own names)
    and the rules that turn text into index tokens and query words."""

    def __init__(self, extra_words: Iterable[str] = ()) -> None:
        self._jieba = rjieba.Jieba()
        self._stopwords = frozenset(fold(w) for w in _shipped_words("stopwords.txt"))
        self._leaf_cache: dict[str, tuple[str, ...]] = {}
        self._templates: dict[str, _Template] = {}
        self.extra_words: set[str] = set()
        self.add_words(_shipped_words("government.txt"))
        self.add_words(extra_words)

    def add_words(self, words: Iterable[str]) -> None:
        """Teach the dictionary words that must stay whole (site, place, department names)."""
        added = False
        for word in words:
            word = fold(word.strip())
            if len(word) > 1 and word not in self.extra_words:
                self._jieba.add_word(word, None, None)
                self.extra_words.add(word)
                added = True
        if added:
            self._leaf_cache.clear()
            self._templates.clear()

    def official_words(self) -> frozenset[str]:
        """The government vocabulary, synonyms and cluster names this dictionary was taught."""
        return frozenset(self.extra_words)

    def words(self, text: str) -> list[tuple[str, int, int]]:
        """Coarse dictionary words of ``text`` with offsets, punctuation and stop words dropped."""
        folded = fold(text)
        stop = self._stopwords
        return [
            (word, start, end)
            for word, start, end in self._jieba.tokenize(folded, "default", False)
            if word not in stop and _WORDLIKE.search(word)
        ]

    def index_tokens(self, text: str) -> list[IndexToken]:
        """Finest leaves at sequential positions; every compound above them is stacked on the
        position of its first leaf, so a word matches as itself or as the phrase of its leaves."""
        templates = self._templates
        tokens: list[IndexToken] = []
        pos = 0
        for word, start, _end in self._jieba.tokenize(fold(text), "default", False):
            template = templates.get(word)
            if template is None:
                template = self._template(word)
            stacked, width = template
            for term, offset, char in stacked:
                at = start + char
                tokens.append((term, pos + offset, at, at + len(term)))
            pos += width
        return tokens

    def cut(self, text: str) -> list[str]:
        """The dictionary words of ``text`` folded, punctuation and stop words included, in
        order: what the index writer walks (each word's tokens are :meth:`template`)."""
        return self._jieba.cut(fold(text), False)

    def template(self, word: str) -> _Template:
        """A word of :meth:`cut` as its index tokens (term, position offset, character offset)
        and the positions it spans; a stop word or punctuation has none and spans none. Worked
        out once a word: the writer and highlighting meet the same words again and again."""
        template = self._templates.get(word)
        return template if template is not None else self._template(word)

    def _template(self, word: str) -> _Template:
        template: _Template = ((), 0)
        if word not in self._stopwords and _WORDLIKE.search(word):
            tokens: list[IndexToken] = []
            width = self._stack(word, 0, 0, tokens)
            template = (tuple((term, pos, start) for term, pos, start, _end in tokens), width)
        if len(self._templates) >= _LEAF_CACHE_LIMIT:
            self._templates.clear()
        self._templates[word] = template
        return template

    def _stack(self, word: str, pos: int, start: int, tokens: list[IndexToken]) -> int:
        tokens.append((word, pos, start, start + len(word)))
        parts = self.split(word)
        if len(parts) == 1:
            return pos + 1
        for part in parts:
            pos = self._stack(part, pos, start, tokens)
            start += len(part)
        return pos

    def query_words(self, text: str) -> list[QueryWord]:
        """The coarse words of a query, each with its leaves."""
        return [QueryWord(w, self.leaves(w), s, e) for w, s, e in self.words(text)]

    def leaves(self, word: str) -> tuple[str, ...]:
        """The finest pieces of a word: what its index tokens are at sequential positions."""
        parts = self.split(word)
        if len(parts) == 1:
            return parts
        return tuple(leaf for part in parts for leaf in self.leaves(part))

    def split(self, word: str) -> tuple[str, ...]:
        """Split a compound into the fewest dictionary sub-words; short or atomic words stay whole.

        A word splits only when at least one piece is a real word (longer than one character),
        so unknown names do not shatter into single characters at index time.
        """
        cached = self._leaf_cache.get(word)
        if cached is not None:
            return cached
        result = self._split(word)
        if len(self._leaf_cache) >= _LEAF_CACHE_LIMIT:
            self._leaf_cache.clear()
        self._leaf_cache[word] = result
        return result

    def _split(self, word: str) -> tuple[str, ...]:
        n = len(word)
        if n < 3 or not _is_cjk(word):
            return (word,)
        has_word = self._jieba.has_word
        # best[i]: (pieces, single characters, split) covering word[i:]
        best: list[tuple[int, int, tuple[str, ...]]] = [(0, 0, ())] * (n + 1)
        for i in range(n - 1, -1, -1):
            first = word[i]
            pieces, singles, rest = best[i + 1]
            candidate = (pieces + 1, singles + 1, (first, *rest))
            for j in range(i + 2, n + 1):
                if i == 0 and j == n:
                    continue
                piece = word[i:j]
                if has_word(piece):
                    pieces, singles, rest = best[j]
                    option = (pieces + 1, singles, (piece, *rest))
                    # Ties go to the longer first piece: 北京+市, not 北+京市.
                    if option[:2] <= candidate[:2]:
                        candidate = option
            best[i] = candidate
        pieces, singles, split = best[0]
        if singles == pieces:
            return (word,)
        return split


def _is_cjk(word: str) -> bool:
    return all("\u3400" <= ch <= "\u9fff" for ch in word)
