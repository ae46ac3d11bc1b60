"""Suggestions as you type: completions of a Chinese, pinyin or initials prefix.

Completions come from the live generation's lexicon — its words and the word pairs its
titles use — ranked by how many titles use them. The service adds past queries on top.
"""

from dataclasses import dataclass

from indexer.analysis.normalize import fold
from indexer.searching import IndexReader

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
