"""The postings of a segment's common terms, decoded once by the indexer and kept beside the
segment as plain arrays, so that no search decodes them again.

The first read of a common word was the tail of search at a city's scale: 100,000–300,000
postings in 15 segments, each block unpickled, decompressed and delta-decoded
(:func:`indexer.engine.postings.decode`), 60 % of a first-time search's time at 335,000
records. A segment never changes once written, so after each commit the indexer decodes, for
every new segment, the terms with at least :data:`MIN_POSTINGS` postings — with that very
function, so the arrays are the ones a search would decode — and writes them to
``<segment id>.zqpa`` beside the segment's own file. A search reads a term's arrays as slices
of a memory map (the pages shared by every worker, in the kernel's page cache) instead.

The file is an addition to the Whoosh index, never a replacement: a segment without one (a
merge the next run has not yet seen, an index written before) is read as before. Its name
starts with the segment's id, so Whoosh deletes it with the segment, and the generation's
manifest seals it with the segment's files.

Layout: ``MAGIC``, the length of the table (8 bytes, little-endian), the table (a pickle of
``{(field, term bytes): (offset, count, id dtype, weight dtype)}`` and the segment's document
count), then the arrays, each at an offset aligned to 8 bytes. Document numbers are stored in
the narrowest unsigned type the segment's count allows, weights (term frequencies) as bytes or
two-byte integers where every value is a whole number that fits, else as decoded.
"""

import logging
import mmap
import multiprocessing
import os
import pickle
import struct
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import repeat
from pathlib import Path

import numpy as np

from indexer.engine.child_processes import die_with
from indexer.engine.mapped_storage import MappedStorage
from indexer.engine.postings import Postings, decode, leaf_matcher

SUFFIX = ".zqpa"
MAGIC = b"ZQPA\x01\n"
MIN_POSTINGS = 256
"""Terms with fewer postings in a segment are decoded by the search that needs them (two
blocks or less: no cheaper from a file than from the segment)."""
_ALIGN = 8
log = logging.getLogger("zhanqun.index")


def path_of(folder: Path, segment_id: str) -> Path:
    return folder / f"{segment_id}{SUFFIX}"


def write_missing(folder: Path, min_postings: int | None = None, processes: int = 1) -> int:
    """Write the arrays of every segment of the index at ``folder`` that has none yet, in up
    to ``processes`` forked processes (a rebuild's dozen segments); return how many segments
    were written.

    The arrays only spare searches work, so a writer killed from outside (the OOM killer)
    does not fail the run: the segments it had not written are read as before, and the next
    run that commits writes them. Only one indexer runs at a time (the run lock), so a
    half-written file found here was left by such a writer, and is removed."""
    min_postings = MIN_POSTINGS if min_postings is None else min_postings
    for stale in folder.glob(f".*{SUFFIX}.tmp"):
        stale.unlink(missing_ok=True)
    missing = [s for s in _segment_ids(folder) if not path_of(folder, s).exists()]
    if processes > 1 and len(missing) > 1:
        context = multiprocessing.get_context("fork")
        workers = min(processes, len(missing))
        # Each dies with the indexer: a kill -9 of it leaves no writer mapping a dead generation.
        pool = ProcessPoolExecutor(
            workers, mp_context=context, initializer=die_with, initargs=(os.getpid(),)
        )
        try:
            with pool:
                list(pool.map(_write_segment, repeat(folder), missing, repeat(min_postings)))
        except BrokenProcessPool:
            left = [s for s in missing if not path_of(folder, s).exists()]
            log.warning(
                "a posting-array writer was killed: %d of %d segments are left without "
                "arrays until the next run that commits",
                len(left),
                len(missing),
            )
            return len(missing) - len(left)
    else:
        for segment_id in missing:
            _write_segment(folder, segment_id, min_postings)
    return len(missing)


def _segment_ids(folder: Path) -> list[str]:
    index = MappedStorage(str(folder)).open_index()
    try:
        return [segment.segment_id() for segment in index._segments()]
    finally:
        index.close()


def _write_segment(folder: Path, segment_id: str, min_postings: int) -> None:
    # Mapped: Whoosh's own opening would copy every compound segment into this process.
    index = MappedStorage(str(folder)).open_index()
    try:
        with index.reader() as reader:
            for leaf, _offset in reader.leaf_readers():
                if leaf.segment() is not None and leaf.segment().segment_id() == segment_id:
                    write(folder, leaf, min_postings)
    finally:
        index.close()


def write(folder: Path, reader, min_postings: int) -> Path:
    """The file of one segment reader's common terms."""
    doc_count = reader.doc_count_all()
    table: dict[tuple[str, bytes], tuple[int, int, str, str]] = {}
    arrays: list[bytes] = []
    offset = 0
    for fieldname, text in reader.all_terms():
        if reader.doc_frequency(fieldname, text) < min_postings:
            continue
        ids, weights = decode(leaf_matcher(reader.postings(fieldname, text)))
        ids, weights = _narrow_ids(ids, doc_count), _narrow_weights(weights)
        for array in (ids, weights):
            data = array.tobytes()
            arrays.append(data + bytes(-len(data) % _ALIGN))
        table[(fieldname, text)] = (offset, len(ids), ids.dtype.str, weights.dtype.str)
        offset += sum(len(a) for a in arrays[-2:])
    head = pickle.dumps({"doc_count": doc_count, "size": offset, "terms": table}, protocol=4)
    head += bytes(-(len(MAGIC) + 8 + len(head)) % _ALIGN)
    target = path_of(folder, reader.segment().segment_id())
    # A dot name: Whoosh's clean-up of dead segments' files passes over it while it is written.
    tmp = target.with_name(f".{target.name}.tmp")
    with open(tmp, "wb") as handle:
        handle.write(MAGIC + struct.pack("<Q", len(head)) + head)
        for data in arrays:
            handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, target)
    return target


def _narrow_ids(ids: np.ndarray, doc_count: int) -> np.ndarray:
    for dtype in (np.uint8, np.uint16):
        if doc_count <= np.iinfo(dtype).max + 1:
            return ids.astype(dtype)
    return ids.astype(np.int32)


def _narrow_weights(weights: np.ndarray) -> np.ndarray:
    if len(weights) and np.all(weights == np.floor(weights)) and weights.min() >= 0:
        for dtype in (np.uint8, np.uint16):
            if weights.max() <= np.iinfo(dtype).max:
                return weights.astype(dtype)
    return weights


class PostingArrays:
    """One segment's file, mapped: :meth:`get` answers as :func:`decode` would."""

    def __init__(self, path: Path, doc_count: int) -> None:
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        if self._map[: len(MAGIC)] != MAGIC:
            raise ValueError(f"{path.name}: not a posting arrays file")
        (length,) = struct.unpack_from("<Q", self._map, len(MAGIC))
        start = len(MAGIC) + 8
        head = pickle.loads(self._map[start : start + length])
        if head["doc_count"] != doc_count:
            raise ValueError(f"{path.name}: written for another segment")
        self._terms = head["terms"]
        self._base = start + length
        if len(self._map) != self._base + head["size"]:
            raise ValueError(f"{path.name}: cut short or grown")

    def get(self, term: tuple[str, bytes]) -> Postings | None:
        """The term's document numbers (``int32``) and weights (``float32`` where they were
        decoded so), or ``None`` if the file does not hold the term."""
        found = self._terms.get(term)
        if found is None:
            return None
        offset, count, id_type, weight_type = found
        at = self._base + offset
        ids = np.frombuffer(self._map, dtype=id_type, count=count, offset=at)
        at += ids.nbytes + (-ids.nbytes % _ALIGN)
        weights = np.frombuffer(self._map, dtype=weight_type, count=count, offset=at)
        if weights.dtype.kind == "u":
            weights = weights.astype(np.float32)
        return ids.astype(np.int32), weights


def open_arrays(folder: Path, segment_id: str, doc_count: int) -> PostingArrays | None:
    """The segment's file, or ``None`` if it has none (or one that cannot be read)."""
    path = path_of(folder, segment_id)
    try:
        return PostingArrays(path, doc_count)
    except (OSError, ValueError, KeyError, pickle.UnpicklingError, struct.error):
        return None
