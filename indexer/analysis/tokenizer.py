"""Whoosh tokenizers over :class:`~indexer.analysis.segmenter.Segmenter`.

A tokenizer turns a string into tokens. :class:`ChineseTokenizer` does the segmentation;
:class:`PreAnalyzed` is what the index schema holds: it replays a :class:`TokenStream` that
was analysed before it reached the writer. The schema pickled into every index generation
therefore carries no dictionary, and analysis can run wherever is fastest.

>>> tokenizer = ChineseTokenizer(Segmenter())
>>> [(t.text, t.pos) for t in tokenizer("国务院办公厅", positions=True)]
[('国务院办公厅', 0), ('国务院', 0), ('国务', 0), ('院', 1), ('办公厅', 2), ('办公', 2), ('厅', 3)]
>>> [t.text for t in tokenizer("国务院办公厅通知", mode="query")]
['国务院办公厅', '通知']
"""

from collections.abc import Iterator

from whoosh.analysis import Token, Tokenizer

from indexer.analysis.segmenter import IndexToken, Segmenter


class TokenStream:
    """Index tokens of one field value, ready for :class:`PreAnalyzed`."""

    __slots__ = ("tokens",)

    def __init__(self, tokens: list[IndexToken]) -> None:
        self.tokens = tokens

    @classmethod
    def of(cls, segmenter: Segmenter, text: str) -> "TokenStream":
        return cls(segmenter.index_tokens(text))


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


class ChineseTokenizer(Tokenizer):
    """Segments Chinese (and mixed) text: fine stacked tokens to index, coarse words to query."""

    def __init__(self, segmenter: Segmenter) -> None:
        self.segmenter = segmenter

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChineseTokenizer) and other.segmenter is self.segmenter

    __hash__ = Tokenizer.__hash__

    def __getstate__(self) -> dict:
        raise TypeError("ChineseTokenizer holds a live dictionary; index with PreAnalyzed")

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
        if mode == "query":
            words = self.segmenter.query_words(value)
            tokens = [(w.text, i, w.start, w.end) for i, w in enumerate(words)]
        else:
            tokens = self.segmenter.index_tokens(value)
        return _emit(tokens, positions, chars, removestops, mode)


class PreAnalyzed(Tokenizer):
    """Replays a :class:`TokenStream`; the analyser stored in the index schema."""

    def __call__(
        self,
        value: TokenStream,
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
        if not isinstance(value, TokenStream):
            raise TypeError("index fields take a TokenStream; analyse text with a Segmenter")
        return _emit(value.tokens, positions, chars, removestops, mode)
