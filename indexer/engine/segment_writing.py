"""Writing a new Whoosh segment from memory: the indexer's fast path into Whoosh.

Whoosh's own :class:`~whoosh.writing.SegmentWriter` sends every posting of every document
through a sorting pool — one tuple per posting, pickled to temporary run files, read back,
merged and looked up for its document's field length — before it writes the segment. That
pool was half of an indexer run, for postings that fit in memory many times over.

:class:`MemorySegmentWriter` writes the same segment (same files, byte for byte: the tests
compare them with what Whoosh writes) but keeps the new segment's postings in memory, in
compact per-term arrays, and writes them at flush sorted by term, a block of up to 128
postings at a time, through Whoosh's own codec. Text fields analysed by the indexer's
:class:`~indexer.analysis.IndexingTokenizer` are analysed straight into positions: each
dictionary word's stacked tokens are worked out once per writer and reused.

:class:`ParallelWriter` runs one :class:`MemorySegmentWriter` per process for rebuilds, each
writing a segment of its own (Whoosh's multiprocessing writer with this writer inside).

Whoosh-reloaded is pinned (2.7.5): this module relies on its W3 codec's block writer.
"""

import itertools
import os
import pickle
import queue
import zlib
from array import array
from collections.abc import Iterator
from operator import sub
from pathlib import Path
from typing import Any

import numpy as np
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3PostingsWriter, W3TermInfo
from whoosh.formats import Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.analysis import IndexingTokenizer, Segmenter
from indexer.engine.child_processes import die_with
from indexer.engine.schema import TEXT_FIELDS
from indexer.failures import SubWriterFailed
from indexer.lexicon import save_segment_counts

_BLOCK = 128  # Whoosh's W3 postings block (W3Codec blocklimit)
# The block of a term in fewer documents is stored uncompressed (its block header says so, and
# Whoosh's reader honours it): zlib gains nothing on a few dozen bytes and costs more than
# writing them, and most terms are rare.
_COMPRESS_MIN = 8
_Columns = tuple[Any, list[float], list[bytes]]
"""A term's postings as document numbers, weights and encoded values."""
_INDEXED_LIMIT = 100_000
"""Values of non-text fields whose postings a writer keeps (:meth:`MemorySegmentWriter._index`)."""
_SHARE = 500_000
"""Tokens of a text field grouped by term at once when a segment is flushed."""


def _quantised(length: int) -> int:
    """A field length as Whoosh reads it back from its one-byte length column."""
    return byte_to_length(length_to_byte(length)) if length else 0


class _Vocabulary(dict):
    """The words a writer's texts are cut into, numbered as met, each with its index tokens
    (term numbers and position offsets) and the positions it spans in arrays numpy indexes by
    word number; and the terms, numbered. A text is then analysed by a few array operations
    over its word numbers instead of a Python step per token."""

    def __init__(self, segmenter: Segmenter) -> None:
        super().__init__()
        self.segmenter = segmenter
        self.terms: dict[str, int] = {}
        self.texts: list[str] = []
        self.width = np.zeros(1024, np.int32)  # per word: positions spanned
        self.count = np.zeros(1024, np.int32)  # per word: index tokens
        self.first = np.zeros(1024, np.int64)  # per word: its first token in the token arrays
        self.term = np.zeros(4096, np.int32)  # per token of a word: term number
        self.offset = np.zeros(4096, np.int32)  # per token of a word: position offset
        self._tokens = 0

    def __missing__(self, word: str) -> int:
        tokens, width = self.segmenter.template(word)
        number = len(self)
        if number == len(self.width):
            self.width, self.count, self.first = (
                np.concatenate([a, np.zeros_like(a)]) for a in (self.width, self.count, self.first)
            )
        first = self._tokens
        end = first + len(tokens)
        while end > len(self.term):
            self.term = np.concatenate([self.term, np.zeros_like(self.term)])
            self.offset = np.concatenate([self.offset, np.zeros_like(self.offset)])
        terms = self.terms
        for i, (term, offset, _char) in enumerate(tokens, first):
            found = terms.get(term)
            if found is None:
                found = terms[term] = len(self.texts)
                self.texts.append(term)
            self.term[i] = found
            self.offset[i] = offset
        self.width[number] = width
        self.count[number] = len(tokens)
        self.first[number] = first
        self._tokens = end
        self[word] = number
        return number

    def analyse(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The term numbers and positions of :meth:`Segmenter.index_tokens`'s tokens of
        ``text``, in the order it makes them (by word, each word's stacked tokens in turn)."""
        words = self.segmenter.cut(text)
        numbers = np.fromiter(map(self.__getitem__, words), np.intp, len(words))
        width = self.width[numbers]
        count = self.count[numbers]
        ends = np.cumsum(count)
        total = int(ends[-1]) if len(ends) else 0
        starts = np.cumsum(width) - width  # each word's first position
        # each token's index in the token arrays: its word's first token, plus its rank
        # among its word's tokens
        token = np.repeat(self.first[numbers] - (ends - count), count) + np.arange(total)
        return self.term[token], self.offset[token] + np.repeat(starts, count).astype(np.int32)


class _TextPostings:
    """The postings of one text field, as every token's term number and position in the
    order the documents were added (and each document's number and token count); grouped by
    term, then document, when the segment is flushed."""

    __slots__ = ("_counts", "_docs", "_pending", "_positions", "_terms")

    _PACK = 512  # documents whose token arrays are joined into one

    def __init__(self) -> None:
        self._terms: list[np.ndarray] = []
        self._positions: list[np.ndarray] = []
        self._pending = 0
        self._docs = array("I")
        self._counts = array("I")

    def add(self, docnum: int, terms: np.ndarray, positions: np.ndarray) -> None:
        self._terms.append(terms)
        self._positions.append(positions)
        self._docs.append(docnum)
        self._counts.append(len(terms))
        self._pending += 1
        if self._pending >= self._PACK:
            self._pack()

    def _pack(self) -> None:
        if self._pending > 1:
            self._terms[-self._pending :] = [np.concatenate(self._terms[-self._pending :])]
            self._positions[-self._pending :] = [np.concatenate(self._positions[-self._pending :])]
        self._pending = 0

    def term_numbers(self, terms: int) -> np.ndarray:
        """The numbers of the terms this field holds, each once, in order (``terms``: how many
        terms the vocabulary has)."""
        self._pack()
        if not self._terms:
            return np.zeros(0, np.intp)
        return np.flatnonzero(np.bincount(np.concatenate(self._terms), minlength=terms))

    def columns(
        self, ranks: np.ndarray, boost: float, singles: "_SingleValues", encode, frequencies
    ) -> Iterator[_Columns]:
        """Each term's document numbers, weights and values as :class:`whoosh.formats.Positions`
        encodes them (frequency, then the pickled position deltas), term by term in the order
        of ``ranks`` (a rank per term number, from 0 for every term this field holds); each
        term's number of documents goes into ``frequencies`` by rank.

        The tokens are taken a share of the terms at a time, so what is sorted at once (and
        the Python lists made of it) stays a fraction of the field's postings."""
        self._pack()
        if not self._terms:
            return
        # Each step lets go of what it has used: this runs while the writer holds everything.
        parts = []
        while self._terms:
            parts.append(ranks[self._terms.pop(0)])
        rank = np.concatenate(parts)
        del parts
        positions = np.concatenate(self._positions)
        self._positions = []
        docs = np.array(self._docs, np.uint32), np.cumsum(np.array(self._counts, np.int64))
        per_rank = np.cumsum(np.bincount(rank))
        low = 0
        while low < len(per_rank):
            before = int(per_rank[low - 1]) if low else 0
            high = max(int(np.searchsorted(per_rank, before + _SHARE, "right")), low + 1)
            yield from self._share(
                rank, docs, positions, low, high, boost, singles, encode, frequencies
            )
            low = high

    @staticmethod
    def _share(
        rank, docs, positions, low, high, boost, singles, encode, frequencies
    ) -> Iterator[_Columns]:
        where = np.flatnonzero((rank >= low) & (rank < high))
        rank = rank[where]
        order = np.argsort(rank, kind="stable")  # by term, each term's tokens as added
        where = where[order]
        rank = rank[order]
        numbers, ends = docs  # each document's number, and the end of its tokens
        docs = numbers[np.searchsorted(ends, where, "right")]
        positions = positions[where]
        n = len(where)
        new = np.empty(n, bool)
        new[0] = True
        np.not_equal(rank[1:], rank[:-1], out=new[1:])
        new[1:] |= docs[1:] != docs[:-1]
        starts = np.flatnonzero(new)  # each posting's first token
        freqs = np.diff(starts, append=n)
        first = rank[starts]
        bounds = np.flatnonzero(np.diff(first, prepend=-1))
        frequencies[first[bounds]] = np.diff(bounds, append=len(starts))
        bounds = [*bounds.tolist(), len(starts)]
        posting_docs = docs[starts].tolist()
        weights = (freqs * boost).tolist()
        values = list(map(singles.__getitem__, positions[starts].tolist()))
        multiple = np.flatnonzero((freqs > 1) & (freqs <= _PICKLE_BATCH))
        if len(multiple):
            blob, bounds_of = _encoded_positions(positions, starts[multiple], freqs[multiple])
            for i, a, b in zip(multiple.tolist(), bounds_of[:-1], bounds_of[1:], strict=True):
                values[i] = blob[a:b]
        longer = np.flatnonzero(freqs > _PICKLE_BATCH)
        if len(longer):
            listed = positions.tolist()
            for i, start, freq in zip(
                longer.tolist(), starts[longer].tolist(), freqs[longer].tolist(), strict=True
            ):
                values[i] = encode(listed[start : start + freq])
        for a, b in itertools.pairwise(bounds):
            yield posting_docs[a:b], weights[a:b], values[a:b]


_PICKLE_BATCH = 1000  # pickle's batch of list items (one MARK ... APPENDS each)
_POSITIONS_HEAD = b"\x80\x02]q\x00("  # protocol 2, an empty list memoised, MARK


def _excluding(sizes: np.ndarray) -> np.ndarray:
    """The sum of the sizes before each one."""
    sums = np.cumsum(sizes)
    return sums - sizes


def _encoded_positions(positions: np.ndarray, starts: np.ndarray, freqs: np.ndarray):
    """What :meth:`whoosh.formats.Positions.encode` makes of each posting's positions
    (``positions[start:start + freq]``, 2 to 1,000 of them): the frequency as four bytes, then
    the pickle (protocol 2) of the list of position deltas — BININT1, BININT2 or BININT per
    delta, one batch of appends. Returned as one bytes object and each posting's bounds in it,
    instead of a list, a pack and a pickle per posting."""
    count = int(freqs.sum())
    first = _excluding(freqs)  # each posting's first delta
    token = np.repeat(starts - first, freqs) + np.arange(count)
    delta = positions[token].astype(np.int64)
    delta[1:] -= delta[:-1].copy()
    delta[first] = positions[starts]
    size = np.where(delta < 0x100, 2, np.where(delta < 0x10000, 3, 5))
    before = _excluding(size)
    length = np.add.reduceat(size, first) + 12
    begin = _excluding(length)
    out = np.zeros(int(length.sum()), np.uint8)
    for k in range(4):
        out[begin + k] = (freqs >> (8 * (3 - k))) & 0xFF
    for k, byte in enumerate(_POSITIONS_HEAD):
        out[begin + 4 + k] = byte
    at = np.repeat(begin + 4 + len(_POSITIONS_HEAD) - before[first], freqs) + before
    out[at] = np.where(size == 2, ord("K"), np.where(size == 3, ord("M"), ord("J")))
    out[at + 1] = delta & 0xFF
    wide = size > 2
    out[at[wide] + 2] = (delta[wide] >> 8) & 0xFF
    wide = size > 3
    out[at[wide] + 3] = (delta[wide] >> 16) & 0xFF
    out[at[wide] + 4] = (delta[wide] >> 24) & 0xFF
    end = begin + length
    out[end - 2] = ord("e")
    out[end - 1] = ord(".")
    return out.tobytes(), [*begin.tolist(), int(end[-1])]


class _SingleValues(dict):
    """The encoded value of a term met once in a document, by position (few distinct): one
    bytes object per position, which also lets pickle write repeats of it by reference."""

    def __init__(self, encode) -> None:
        super().__init__()
        self._encode = encode

    def __missing__(self, pos: int) -> bytes:
        value = self[pos] = self._encode([pos])
        return value


class MemorySegmentWriter(SegmentWriter):
    """A Whoosh segment writer whose new postings stay in memory until the segment is
    flushed. Postings merged in from older segments (Whoosh's merge policy, at commit) take
    the writer's own generic path and are written together with the new ones."""

    def __init__(self, ix, **kwargs: Any) -> None:
        super().__init__(ix, **kwargs)
        self._text: dict[str, _TextPostings] = {}
        self._vocabulary: _Vocabulary | None = None
        self._indexed: dict[tuple[str, str], tuple] = {}  # _index
        # per text field, (term, records) in the order of the terms' bytes, once flushed
        self._word_counts: dict[str, list[tuple[str, int]]] = {}
        # field -> term bytes -> list of (docnum, weight, value): merged and non-text postings
        self._other: dict[str, dict[bytes, list[tuple[int, float, bytes]]]] = {}
        self._lengths: dict[str, array] = {}
        self._fast = {
            name
            for name, field in self.schema.items()
            if isinstance(field.analyzer if field.indexed else None, IndexingTokenizer)
            and type(field.format) is Positions
        }
        if any(field.vector for _, field in self.schema.items()):
            raise ValueError("MemorySegmentWriter does not write term vectors")

    # -- adding documents ------------------------------------------------------------------

    def add_document(self, **fields: Any) -> None:
        self._check_state()
        schema = self.schema
        perdoc = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        names = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, names)
        perdoc.start_doc(docnum)
        try:
            for name in names:
                value = fields[name]
                if value is None:
                    continue
                field = schema[name]
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, name, docboost)
                    if name in self._fast and boost == 1.0:
                        length = self._add_text(name, docnum, value, field.analyzer.segmenter)
                    else:
                        items = self._index(name, field, value)
                        length = self._add_items(name, docnum, items, boost)
                    if not field.scorable:
                        length = 0
                    self._length(name, docnum, length)
                stored = fields.get(f"_stored_{name}", value)
                perdoc.add_field(name, field, stored if field.stored else None, length)
                if field.column_type and stored is not None:
                    perdoc.add_column_value(name, field.column_type, field.to_column_value(stored))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _add_text(self, name: str, docnum: int, value: str, segmenter: Segmenter) -> int:
        if not isinstance(value, str):
            raise ValueError(f"{value!r} is not text")
        vocabulary = self._vocabulary
        if vocabulary is None or vocabulary.segmenter is not segmenter:
            if self._text:
                raise ValueError("a writer's text fields must be analysed by one segmenter")
            vocabulary = self._vocabulary = _Vocabulary(segmenter)
        terms, positions = vocabulary.analyse(value)
        postings = self._text.get(name)
        if postings is None:
            postings = self._text[name] = _TextPostings()
        postings.add(docnum, terms, positions)
        return len(terms)

    def _index(self, name: str, field, value):
        """``field.index(value)``; kept for the next record with the same value of a text
        value of a field whose values are not unique (site, tier, column, doc type, year,
        branch: a few hundred values between them) and whose postings' values are of a
        fixed size (written joined, so sharing them between records changes no byte)."""
        if type(value) is not str or field.unique or field.format.fixed_value_size() is None:
            return field.index(value)
        key = (name, value)
        items = self._indexed.get(key)
        if items is None:
            if len(self._indexed) >= _INDEXED_LIMIT:
                self._indexed.clear()
            items = self._indexed[key] = tuple(field.index(value))
        return items

    def _add_items(self, name: str, docnum: int, items, boost: float) -> int:
        terms = self._other.setdefault(name, {})
        length = 0
        for tbytes, freq, weight, vbytes in items:
            length += freq
            terms.setdefault(tbytes, []).append((docnum, weight * boost, vbytes or b""))
        return length

    def _length(self, name: str, docnum: int, length: int) -> None:
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = self._lengths[name] = array("I")
        missing = docnum - self.docbase + 1 - len(lengths)
        if missing > 0:
            lengths.extend([0] * missing)
        lengths[docnum - self.docbase] = _quantised(length)

    # -- merged segments ---------------------------------------------------------------------

    def add_postings_to_pool(self, reader, startdoc: int, docmap) -> None:
        for name, tbytes, docnum, weight, vbytes in self._process_posts(
            reader.iter_postings(), startdoc, docmap
        ):
            self._other.setdefault(name, {}).setdefault(tbytes, []).append(
                (docnum, weight, vbytes or b"")
            )

    # -- flushing ----------------------------------------------------------------------------

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        lengths_reader = self.per_document_reader() if self._other else None
        try:
            self._write_postings(lengths_reader)
        finally:
            if lengths_reader is not None:
                lengths_reader.close()
        self.fieldwriter.close()
        self._save_word_counts()

    def _save_word_counts(self) -> None:
        """The lexicon's word counts of this segment (:func:`~indexer.lexicon.save_segment_counts`),
        when every posting of its text fields is one this writer analysed itself: not when
        postings were merged in from older segments, which the lexicon then counts from the
        segment as written."""
        folder = getattr(self.storage, "folder", None)
        if folder is None or any(name in self._other for name in TEXT_FIELDS):
            return
        save_segment_counts(Path(folder), self.newsegment.segment_id(), self._word_counts)

    def _write_postings(self, lengths_reader) -> None:
        fieldwriter = self.fieldwriter
        for name in sorted(set(self._text) | set(self._other)):
            field = self.schema[name]
            text = self._text.get(name)
            other = self._other.get(name, {})
            own = self._lengths.get(name, array("I"))
            terms: dict[bytes, str | None] = dict.fromkeys(other)
            boost = field.format.field_boost
            # Text fields are Positions fields: their values are what its encode() makes.
            encode = field.format.encode if text is not None else None
            singles = _SingleValues(encode)
            if text is not None:
                own_terms, columns = self._text_columns(name, text, boost, singles, encode)
                terms.update(own_terms)
            fieldwriter.start_field(name, field)
            writer = fieldwriter._postwriter
            compression = writer._compression
            # A text field's weights are its frequencies (whole numbers): its terms can be
            # written by _write_term.
            whole = (
                text is not None
                and boost == 1.0
                and field.format.fixed_value_size() is None
                and isinstance(writer, W3PostingsWriter)
                and writer._blocklimit == _BLOCK
                and writer._inlinelimit <= 1
            )
            for tbytes in sorted(terms):
                term = terms[tbytes]
                docs, weights, values = next(columns) if term is not None else ((), [], [])
                merged = other.get(tbytes)
                if merged:
                    docs, weights, values = self._merge(docs, weights, values, merged)
                lengths = self._doc_lengths(name, docs, own, lengths_reader)
                compressed = compression if len(docs) >= _COMPRESS_MIN else 0
                if whole and docs and not merged:
                    _write_term(fieldwriter, tbytes, docs, weights, values, lengths, compressed)
                    continue
                fieldwriter.start_term(tbytes)
                writer._compression = compressed
                _write_blocks(writer, docs, weights, values, lengths)
                fieldwriter.finish_term()
            if text is not None:
                for _ in columns:  # runs the end of _text_columns (the word counts)
                    raise RuntimeError(f"{name}: more postings than terms")
            fieldwriter.finish_field()

    def _text_columns(self, name: str, text: _TextPostings, boost: float, singles, encode):
        """The terms of a text field (bytes -> text) and an iterator of their columns in the
        order of their bytes; keeps the field's word counts for :meth:`_save_word_counts`, in
        the same order (the order a walk of the segment's terms finds them in)."""
        vocabulary = self._vocabulary
        numbers = text.term_numbers(len(vocabulary.texts))
        texts = [vocabulary.texts[n] for n in numbers.tolist()]
        encoded = [term.encode("utf-8") for term in texts]
        by_bytes = sorted(range(len(encoded)), key=encoded.__getitem__)
        ranks = np.zeros(len(vocabulary.texts), np.int32)
        ranks[numbers[by_bytes]] = np.arange(len(by_bytes), dtype=np.int32)
        frequencies = np.zeros(len(by_bytes), np.int64)
        columns = text.columns(ranks, boost, singles, encode, frequencies)
        terms = dict(zip(encoded, texts, strict=True))

        def counted():
            yield from columns
            self._word_counts[name] = list(
                zip((texts[i] for i in by_bytes), frequencies.tolist(), strict=True)
            )

        return terms, counted()

    @staticmethod
    def _merge(docs, weights, values, other: list[tuple[int, float, bytes]]) -> _Columns:
        postings = sorted([*zip(docs, weights, values, strict=True), *other], key=_docnum)
        return (
            [p[0] for p in postings],
            [p[1] for p in postings],
            [p[2] for p in postings],
        )

    def _doc_lengths(self, name: str, docs, own: array, lengths_reader) -> list[int]:
        """Each document's length in the field, as Whoosh reads it back: from this writer's
        own documents, else (documents merged in from older segments) from the segment."""
        base = self.docbase
        mine = len(own)
        if not docs or docs[-1] - base < mine:
            return [own[docnum - base] for docnum in docs]
        return [
            own[docnum - base]
            if docnum - base < mine
            else lengths_reader.doc_field_length(docnum, name)
            if lengths_reader is not None
            else 0
            for docnum in docs
        ]


def _write_blocks(writer, docs, weights, values, lengths) -> None:
    """Fill the codec's block buffer with up to 128 postings at a time and its statistics, as
    its ``add_posting`` would; the last block is written by ``finish_term``."""
    for start in range(0, len(docs), _BLOCK):
        if start:
            writer._write_block()
            writer._new_block()
        end = start + _BLOCK
        block_weights = weights[start:end]
        writer._ids.extend(docs[start:end])
        writer._weights.extend(block_weights)
        writer._maxweight = max(writer._maxweight, *block_weights)
        writer._values.extend(filter(None, values[start:end]))
        block_lengths = [length for length in lengths[start:end] if length]
        if block_lengths:
            writer._minlength = min(block_lengths)
            writer._maxlength = max(block_lengths)


def _write_term(fieldwriter, tbytes: bytes, docs, weights, values, lengths, compression) -> None:
    """What ``start_term``, :func:`_write_blocks` and ``finish_term`` write for a term — its
    posting blocks, then its row of the terms table, the same bytes — a block at a time
    instead of a posting at a time. For postings whose weights are whole numbers (a text
    field's frequencies), which Whoosh's float32 weights hold exactly."""
    postfile = fieldwriter._postfile
    start = postfile.tell()
    parts = [WHOOSH3_HEADER_MAGIC]
    count = len(docs)
    last = (count - 1) // _BLOCK * _BLOCK
    total = 0
    maxweight = 0
    minlength = None
    maxlength = 0
    for begin in range(0, count, _BLOCK):
        end = begin + _BLOCK
        ids = docs[begin:end]
        block_weights = weights[begin:end]
        top = max(block_weights)
        # Whoosh's _mini_weights: None if all are 1, the one weight if all are equal
        mini = (None if top == 1.0 else top) if top == min(block_weights) else tuple(block_weights)
        data = pickle.dumps(
            (tuple(map(sub, ids, itertools.chain((0,), ids))), mini, tuple(values[begin:end])), 2
        )
        if compression:
            data = zlib.compress(data, compression)
        block_lengths = lengths[begin:end]
        shortest = min(block_lengths)
        if shortest:
            longest = max(block_lengths)
        else:
            block_lengths = [length for length in block_lengths if length]
            shortest = min(block_lengths) if block_lengths else None
            longest = max(block_lengths) if block_lengths else 0
        block_max = top if top > 0 else 0
        info = pickle.dumps(
            (
                len(ids),
                ids[-1],
                block_max,
                compression,
                length_to_byte(shortest),
                length_to_byte(longest),
            ),
            2,
        )
        size = len(info) + len(data)
        parts += (pack_int(-size if begin == last else size), info, data)
        total += sum(block_weights)
        maxweight = max(maxweight, block_max)
        minlength = shortest if minlength is None else min(minlength, shortest)
        maxlength = max(maxlength, longest)
    postings = b"".join(parts)
    postfile.write(postings)
    row = W3TermInfo._struct.pack(
        False,
        total,
        count,
        0 if minlength is None else length_to_byte(minlength),
        length_to_byte(maxlength),
        maxweight,
        docs[0],
        docs[-1],
    )
    fieldwriter._tindex.add(
        pack_ushort(fieldwriter._fieldid) + tbytes,
        row + pack_long(start) + pack_int(len(postings)),
    )


def _docnum(posting: tuple[int, float, bytes]) -> int:
    return posting[0]


# -- parallel rebuilds -------------------------------------------------------------------------

_POLL = 0.2
"""Seconds between looks at the sub-writers while waiting on a queue."""


class _SubWriter(SubWriterTask):
    """One process of a :class:`ParallelWriter`: adds the documents of the job files it takes
    to a :class:`MemorySegmentWriter` and hands the finished segment back."""

    def __init__(self, *args: Any, parent: int) -> None:
        super().__init__(*args)
        # Taken when the writer is made, in the process that forks: a pid captured at import
        # would be another process's whenever the indexer runs in a process forked after it.
        self.parent = parent

    def run(self) -> None:
        die_with(self.parent)
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = MemorySegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            job = self.jobqueue.get()
            if job is None:
                break
            self._process_file(*job)
        segment = writer._finalize_segment()
        self.resultqueue.put((None, writer.pool.fieldnames, segment), timeout=5)


class ParallelWriter(MpWriter):
    """Whoosh's multiprocessing writer, each sub-process writing its own segment from memory
    (``multisegment``: the segments are added to the index as they are, not merged).

    Whoosh's own commit waits for its sub-writers and takes whatever results come back: a
    sub-writer killed by the OOM killer simply has its documents missing from the commit, and
    one killed while holding the job queue's lock leaves the others, and the commit, waiting
    forever. This one watches them while it waits, checks that the segments hold every
    document it handed out, and otherwise raises :class:`SubWriterFailed` having stopped them
    all: the commit is not made and the generation keeps its last commit.
    """

    def __init__(self, ix, procs: int, **kwargs: Any) -> None:
        super().__init__(ix, procs=procs, multisegment=True, **kwargs)
        self._parent = os.getpid()
        self._handed_out = 0

    def _new_task(self) -> SubWriterTask:
        task = _SubWriter(
            self.storage,
            self.indexname,
            self.jobqueue,
            self.resultqueue,
            self.subargs,
            self.multisegment,
            parent=self._parent,
        )
        self.tasks.append(task)
        task.start()
        return task

    def _enqueue(self) -> None:
        # Whoosh's _enqueue, with a put that notices a dead sub-writer instead of blocking.
        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as handle:
            for item in self.docbuffer:
                pickle.dump(item, handle, 2)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put((filename, len(self.docbuffer)))
        self._handed_out += len(self.docbuffer)
        self.docbuffer = []

    def _put(self, job) -> None:
        while True:
            try:
                self.jobqueue.put(job, timeout=_POLL)
                return
            except queue.Full:
                self._check_alive()

    def _check_alive(self) -> None:
        failed = [task for task in self.tasks if task.exitcode not in (None, 0)]
        if failed:
            codes = ", ".join(f"pid {t.pid} exit {t.exitcode}" for t in failed)
            raise SubWriterFailed(f"a rebuild sub-writer died ({codes}); nothing was committed")

    def _collect(self) -> list:
        """The segment of every sub-writer, once each has handed one back."""
        segments = []
        while len(segments) < len(self.tasks):
            try:
                _, _, segment = self.resultqueue.get(timeout=_POLL)
            except queue.Empty:
                self._check_alive()
                if all(task.exitcode is not None for task in self.tasks):
                    # Every one has exited, and a result is put before exiting.
                    raise SubWriterFailed(
                        f"{len(self.tasks) - len(segments)} rebuild sub-writer(s) exited "
                        "without handing back a segment; nothing was committed"
                    ) from None
                continue
            segments.append(segment)
        for task in self.tasks:
            task.join()
        self._check_alive()
        written = sum(segment.doc_count_all() for segment in segments)
        if written != self._handed_out:
            raise SubWriterFailed(
                f"rebuild sub-writers wrote {written} documents of the {self._handed_out} "
                "handed to them; nothing was committed"
            )
        return segments

    def _stop_tasks(self) -> None:
        for task in self.tasks:
            if task.exitcode is None:
                task.kill()
        for task in self.tasks:
            task.join(timeout=10)

    def _commit(self, mergetype, optimize, merge) -> None:
        try:
            if self.docbuffer:
                self._enqueue()
            for _ in self.tasks:
                self._put(None)
            finalsegments = self._merge_segments(mergetype, optimize, merge)
            finalsegments += self._collect()
        except BaseException:
            self._stop_tasks()
            raise
        if self._added:
            finalsegments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(finalsegments)
        self._finish()

    def cancel(self) -> None:
        # Whoosh's cancel only flags the parent's copies of the tasks: the processes would
        # wait on the job queue until the indexer exits.
        try:
            self._stop_tasks()
        finally:
            SegmentWriter.cancel(self)
