"""What else a query word may mean: synonyms, official abbreviations, and for a single
character the common words that contain it.

>>> from indexer.analysis import Segmenter
>>> from indexer.synonyms import Synonyms
>>> seg = Segmenter()
>>> expander = Expander(seg, Synonyms.from_lines(["医保 医疗保障"]))
>>> [w.text for w in expander(seg.query_words("医保")[0])]
['医疗保障']
"""

from indexer.analysis import QueryWord, Segmenter
from indexer.analysis.normalize import fold
from indexer.lexicon import Lexicon
from indexer.synonyms import Synonyms

SINGLE_CHARACTER_WORDS = 20


class Expander:
    def __init__(
        self, segmenter: Segmenter, synonyms: Synonyms, lexicon: Lexicon | None = None
    ) -> None:
        self.segmenter = segmenter
        self.synonyms = synonyms
        self.lexicon = lexicon
        self._cache: dict[str, list[QueryWord]] = {}

    def __call__(self, word: QueryWord) -> list[QueryWord]:
        found = self._cache.get(word.text)
        if found is None:
            found = self._expand(word.text)
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[word.text] = found
        return found

    def _expand(self, text: str) -> list[QueryWord]:
        alternatives = list(self.synonyms.of(text))
        if self.lexicon is not None and len(text) == 1 and "\u3400" <= text <= "\u9fff":
            alternatives += self.lexicon.containing(text, SINGLE_CHARACTER_WORDS)
        return [w for w in (self.as_word(a) for a in alternatives if a != text) if w.leaves]

    def as_word(self, text: str) -> QueryWord:
        """A phrase of any length as one query word: itself, or the run of all its leaves."""
        words = self.segmenter.query_words(text)
        leaves = tuple(leaf for w in words for leaf in w.leaves)
        # Not typed by the user: no place in the query text (start -1).
        return QueryWord(fold(text), leaves, -1, -1)
