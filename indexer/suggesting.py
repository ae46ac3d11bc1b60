"""Suggestions as you type: completions of a Chinese, pinyin or initials prefix.

Completions come from the live generation's lexicon — its words and the word pairs its
titles use — ranked by how many titles use them. The service adds past queries on top.
"""

from dataclasses import dataclass

from indexer.analysis.normalize import fold
from indexer.engine.searching import IndexReader

MAX_PREFIX = 32


@dataclass(frozen=True)
class Suggestion:
    text: str
    count: int


def suggest(reader: IndexReader, prefix: str, limit: int = 10) -> list[Suggestion]:
    prefix = fold(prefix.strip())[:MAX_PREFIX]
    if not prefix:
        return []
    with reader.open() as view:
        completions = view.lexicon.completions(prefix.replace(" ", ""), limit + 1)
    found = [Suggestion(text, count) for text, count in completions if text != prefix]
    return found[:limit]


def related_phrases(reader: IndexReader, text: str, limit: int = 5) -> list[str]:
    """Title phrases that extend the words of a query (住房公积金 → 住房公积金提取)."""
    text = fold(text.strip())
    if not text:
        return []
    with reader.open() as view:
        words = [w.text for w in view.segmenter.query_words(text) if len(w.text) >= 2]
        found: list[str] = []
        for word in words[:4]:
            for phrase, _count in view.lexicon.completions(word, limit):
                if phrase != word and phrase not in text and phrase not in found:
                    found.append(phrase)
    return found[:limit]


def query_wordings(reader: IndexReader, text: str, most: int = 8) -> list[list[str]]:
    """The words of a query as the live generation segments it, then the same with one word
    said by a synonym (社保卡 → 社会保障卡): at most ``most`` wordings, the typed one first."""
    with reader.open() as view:
        words = [w.text for w in view.segmenter.query_words(text)]
        synonyms = view.expander.synonyms
        wordings = [words]
        for i, word in enumerate(words):
            for known in sorted(synonyms.words(), key=len, reverse=True):
                if known in word:
                    for other in synonyms.of(known):
                        wordings.append([*words[:i], word.replace(known, other), *words[i + 1 :]])
                    break
        # A synonym the words split apart (公租房 → 公 租房) is found in the text itself.
        folded = fold(text)
        for known in sorted(synonyms.words(), key=len, reverse=True):
            inside = any(known in word for word in words)
            if known in folded and not inside and len(known) > 1:
                for other in synonyms.of(known):
                    said = folded.replace(known, f" {other} ")
                    wordings.append([w.text for w in view.segmenter.query_words(said)])
        return wordings[:most]


def query_words(reader: IndexReader, text: str) -> list[str]:
    """The words of a query, as the live generation segments it."""
    with reader.open() as view:
        return [w.text for w in view.segmenter.query_words(text)]
