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

import ctypes
import os
import pickle
import queue
import signal
from array import array
from pathlib import Path
from typing import Any

from whoosh.formats import Positions
from whoosh.multiproc import MpWriter, SubWriterTask
from whoosh.util import random_name
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from indexer.analysis import IndexingTokenizer, Segmenter
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


def _quantised(length: int) -> int:
    """A field length as Whoosh reads it back from its one-byte length column."""
    return byte_to_length(length_to_byte(length)) if length else 0


class _TextPostings:
    """The postings of one text field: per term, document numbers, frequencies and the
    positions of all its occurrences, each in a compact array."""

    __slots__ = ("terms",)

    def __init__(self) -> None:
        self.terms: dict[str, tuple[array, array, array]] = {}

    def add(self, docnum: int, positions: dict[str, list[int]]) -> None:
        terms = self.terms
        for term, where in positions.items():
            entry = terms.get(term)
            if entry is None:
                entry = terms[term] = (array("I"), array("I"), array("I"))
            entry[0].append(docnum)
            entry[1].append(len(where))
            entry[2].extend(where)

    def columns(self, term: str, boost: float, singles: "_SingleValues", encode) -> _Columns:
        """The term's document numbers, weights and values as :class:`whoosh.formats.Positions`
        encodes them (frequency, then the pickled position deltas)."""
        docs, freqs, positions = self.terms[term]
        if len(positions) == len(docs):  # once in every document: the usual case
            return docs, [boost] * len(docs), [singles[pos] for pos in positions]
        weights = []
        values = []
        offset = 0
        for freq in freqs:
            if freq == 1:
                values.append(singles[positions[offset]])
            else:
                where = positions[offset : offset + freq].tolist()
                values.append(encode(where))
            weights.append(freq * boost)
            offset += freq
        return docs, weights, values


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
                        length = self._add_items(name, docnum, field.index(value), boost)
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
        positions = segmenter.term_positions(value)
        postings = self._text.get(name)
        if postings is None:
            postings = self._text[name] = _TextPostings()
        postings.add(docnum, positions)
        return sum(map(len, positions.values()))

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
        fields = {
            name: ((term, len(entry[0])) for term, entry in postings.terms.items())
            for name, postings in self._text.items()
        }
        save_segment_counts(Path(folder), self.newsegment.segment_id(), fields)

    def _write_postings(self, lengths_reader) -> None:
        fieldwriter = self.fieldwriter
        for name in sorted(set(self._text) | set(self._other)):
            field = self.schema[name]
            text = self._text.get(name)
            other = self._other.get(name, {})
            own = self._lengths.get(name, array("I"))
            terms: dict[bytes, str | None] = dict.fromkeys(other)
            if text is not None:
                terms.update((term.encode("utf-8"), term) for term in text.terms)
            fieldwriter.start_field(name, field)
            writer = fieldwriter._postwriter
            compression = writer._compression
            boost = field.format.field_boost
            # Text fields are Positions fields: their values are what its encode() makes.
            encode = field.format.encode if text is not None else None
            singles = _SingleValues(encode)
            for tbytes in sorted(terms):
                term = terms[tbytes]
                docs, weights, values = (
                    text.columns(term, boost, singles, encode) if term is not None else ((), [], [])
                )
                merged = other.get(tbytes)
                if merged:
                    docs, weights, values = self._merge(docs, weights, values, merged)
                lengths = self._doc_lengths(name, docs, own, lengths_reader)
                fieldwriter.start_term(tbytes)
                writer._compression = compression if len(docs) >= _COMPRESS_MIN else 0
                _write_blocks(writer, docs, weights, values, lengths)
                fieldwriter.finish_term()
            fieldwriter.finish_field()

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


def _docnum(posting: tuple[int, float, bytes]) -> int:
    return posting[0]


# -- parallel rebuilds -------------------------------------------------------------------------

_POLL = 0.2
"""Seconds between looks at the sub-writers while waiting on a queue."""
_PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Ask the kernel to kill this process when ``parent`` dies. Left running after a kill -9
    of the indexer, a sub-writer would keep the run lock (its descriptor is inherited) and
    write into a generation nobody commits."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: nothing to ask the kernel
        return
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


class _SubWriter(SubWriterTask):
    """One process of a :class:`ParallelWriter`: adds the documents of the job files it takes
    to a :class:`MemorySegmentWriter` and hands the finished segment back."""

    def __init__(self, *args: Any, parent: int) -> None:
        super().__init__(*args)
        # Taken when the writer is made, in the process that forks: a pid captured at import
        # would be another process's whenever the indexer runs in a process forked after it.
        self.parent = parent

    def run(self) -> None:
        _die_with(self.parent)
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
