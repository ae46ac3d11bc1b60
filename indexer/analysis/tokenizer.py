"""Whoosh tokenizers over :class:`~indexer.analysis.segmenter.Segmenter`.

A tokenizer turns a string into tokens. :class:`ChineseTokenizer` segments with the
segmenter it is given. :class:`IndexingTokenizer` is what the index schema holds: it keeps
no state (Whoosh pickles the schema into every generation) and segments with the segmenter
the process is indexing with — set by the indexer with :func:`index_with` before it opens a
writer, and inherited by the writer sub-processes Whoosh forks for a rebuild, so analysis
runs on every core.

>>> tokenizer = ChineseTokenizer(Segmenter())
>>> [(t.text, t.pos) for t in tokenizer("国务院办公厅", positions=True)]
[('国务院办公厅', 0), ('国务院', 0), ('国务', 0), ('院', 1), ('办公厅', 2), ('办公', 2), ('厅', 3)]
>>> [t.text for t in tokenizer("国务院办公厅通知", mode="query")]
['国务院办公厅', '通知']
"""

from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

from indexer.analysis.segmenter import IndexToken, Segmenter

_indexing: Segmenter | None = None


def index_with(segmenter: Segmenter) -> None:
    """The segmenter this process (and writers it forks) indexes with."""
    global _indexing
    _indexing = segmenter


def _emit(
    tokens: list[IndexToken], positions: bool, chars: bool, removestops: bool, mode: str
) -> Iterator[Token]:
    token = Token(positions, chars, removestops=removestops, mode=mode)
    for text, pos, start, end in tokens:
        token.text = text
        token.boost = 1.0
        token.stopped = False
        if positions:
            token.pos = pos
        if chars:
            token.startchar = start
            token.endchar = end
        yield token


def _tokens(segmenter: Segmenter, value: str, mode: str) -> list[IndexToken]:
    if mode == "query":
        words = segmenter.query_words(value)
        return [(w.text, i, w.start, w.end) for i, w in enumerate(words)]
    return segmenter.index_tokens(value)


class ChineseTokenizer(Tokenizer):
    """Segments Chinese (and mixed) text: fine stacked tokens to index, coarse words to query."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChineseTokenizer) and other.segmenter is self.segmenter

    __hash__ = Tokenizer.__hash__

    def __getstate__(self) -> dict:
        raise TypeError("ChineseTokenizer holds a live dictionary; schemas use IndexingTokenizer")

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        return _emit(_tokens(self.segmenter, value, mode), positions, chars, removestops, mode)


class IndexingTokenizer(ChineseTokenizer):
    """The schema's analyser: segments with the process's indexing segmenter."""

    def __init__(self) -> None:
        pass

    @property
    def segmenter(self) -> Segmenter:
        if _indexing is None:
            raise RuntimeError("no indexing segmenter: call index_with(segmenter) first")
        return _indexing

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IndexingTokenizer)

    __hash__ = Tokenizer.__hash__

    def __getstate__(self) -> dict:
        return {}
