"""Building the index from the store's change feed: incremental runs and full rebuilds.

Both are the same loop — read changes after the generation's sequence number, write them,
commit, record the sequence reached — and differ only in the generation they write to:

* an incremental run writes to the live generation;
* a full rebuild writes to a new generation starting at sequence 0 and switches CURRENT to
  it when it has caught up with the feed.

Replaying a change is harmless (an upsert by key, a delete by key), and the state file is
written only after Whoosh's commit, so a crash at any instant costs at most the changes
since the last commit, which the next run reads again. A rebuild left unfinished by a crash
is resumed by the next run, whatever its flags.
"""

import multiprocessing
import os
import shutil
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import query as q
from whoosh.writing import IndexWriter

from indexer.analysis import Segmenter, cluster_words, index_with
from indexer.census import SAMPLE, compare
from indexer.documents import ChangeSource, IndexDocument
from indexer.engine.generations import Generations, GenerationState
from indexer.engine.integrity import seal, verify
from indexer.engine.merging import merge_policy
from indexer.engine.posting_arrays import write_missing
from indexer.engine.schema import INDEX_FORMAT, PLAIN_FIELDS
from indexer.engine.segment_writing import MemorySegmentWriter, ParallelWriter
from indexer.failures import CensusMismatch, IndexingFailed
from indexer.lexicon import LEXICON, merge_phrases, title_phrases, write_lexicon
from indexer.locking import RunLock
from indexer.synonyms import Synonyms

LOCK_NAME = "indexer.lock"
MAX_WRITER_PROCS = 4
BULK_MIN_CHANGES = 20_000
BULK_LIMIT_MB = 256
INCREMENTAL_LIMIT_MB = 64
BATCH = 1_000
COMMIT_EVERY = 50_000
MEMORY_MB = 768
"""What a run's writers may hold for changes not yet committed (``--index-memory``). A
rebuild's process tree also holds a fixed ~650 MB (the indexer and two sub-writers, each with
the segmenter's dictionary), so the default keeps its peak near 1.4 GB: room on a 2-core,
4 GiB host for the service's workers beside it. Smaller means more, smaller segments."""
BYTES_PER_CHAR = 11
"""Writer memory per character of pending text: 10.4 measured as the growth of a rebuild's
peak between two budgets (``python -m bench.memory``, docs/indexer.md)."""

Progress = Callable[[int, int], None]
"""Called with (changes done, changes expected) as the run goes."""


@dataclass
class RunSummary:
    """What one indexer run did; :meth:`line` is the one line cron mails."""

    mode: str
    generation: int
    seq_from: int
    seq_to: int
    added: int = 0
    updated: int = 0
    deleted: int = 0
    seconds: float = 0.0
    # What was wrong with a generation this run found damaged and rebuilt (indexer.engine.integrity,
    # or a census a previous run failed).
    damage: list[str] = field(default_factory=list)
    # Why a sound generation was rebuilt: an older index format, another store (a restore).
    reasons: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (
            f"zhanqun index: {self.mode} gen={self.generation} seq={self.seq_from}->{self.seq_to}"
            f" added={self.added} updated={self.updated} deleted={self.deleted}"
            f" seconds={self.seconds:.1f}"
        )


def run(
    root: Path,
    source: ChangeSource,
    full: bool = False,
    progress: Progress | None = None,
    commit_every: int = COMMIT_EVERY,
    synonyms: Path | None = None,
    verify_all: bool = False,
    memory_mb: int = MEMORY_MB,
) -> RunSummary:
    """One indexer run under the run lock (raises :class:`~indexer.locking.IndexerBusy`).

    ``synonyms`` is the operator's synonyms file: its words join the dictionary, so that
    documents are segmented the way queries for those words will be. ``verify_all`` checks
    the digest of every file of the generation written to, not only of those unchecked for
    :data:`~indexer.engine.integrity.VERIFY_EVERY` (``zhanqun index --verify``). ``memory_mb``
    bounds what the run's writers hold before they commit (:data:`MEMORY_MB`).

    A run whose work fails a check — a rebuild's sub-writer died, or the generation does not
    hold what the store says is searchable (:mod:`indexer.census`) — raises
    :class:`~indexer.failures.IndexingFailed` without switching anything, and leaves the
    cause in the index root for ``/healthz`` until a run passes its checks.
    """
    generations = Generations(root)
    with RunLock(Path(root) / LOCK_NAME):
        try:
            summary = _run(
                generations, source, full, progress, commit_every, synonyms, verify_all, memory_mb
            )
        except IndexingFailed as failure:
            generations.record_problem(str(failure))
            raise
        generations.clear_problem()
        return summary


def _run(
    generations: Generations,
    source: ChangeSource,
    full: bool,
    progress: Progress | None,
    commit_every: int,
    synonyms: Path | None,
    verify_all: bool,
    memory_mb: int,
) -> RunSummary:
    started = time.monotonic()
    identity = source.identity()
    damage: list[str] = []
    unfinished = generations.unfinished()
    live = generations.current()
    if unfinished is not None and (
        damage := _damage(generations, unfinished, verify_all)
        + _outdated(generations.state(unfinished), identity)
    ):
        # A rebuild that cannot be trusted, or that an upgrade or a restore overtook, is not
        # resumed: it starts again.
        shutil.rmtree(generations.path(unfinished))
        unfinished = None
    reasons: list[str] = []
    if unfinished is None and not full and live is not None:
        damage += _damage(generations, live, verify_all)
        if problem := generations.problem():
            damage.append(f"the last run failed its checks: {problem}")
        reasons = _outdated(generations.state(live), identity)
    if unfinished is not None:
        state, mode = generations.state(unfinished), "resume-rebuild"
    elif full or live is None or damage or reasons:
        state = generations.create(store=identity)
        mode = "repair-rebuild" if damage else "upgrade-rebuild" if reasons else "rebuild"
        state.snapshot_seq = source.last_seq()
        generations.save_state(state)
    else:
        state, mode = generations.state(live), "incremental"
    summary = RunSummary(mode, state.number, state.seq, state.seq, damage=damage, reasons=reasons)
    budget = max(memory_mb, 1) * 1024 * 1024
    phrases = _catch_up(
        generations, state, source, summary, progress, commit_every, synonyms, budget
    )
    _refresh_lexicon(generations, state.number, summary, phrases)
    if not state.complete or summary.added or summary.updated or summary.deleted:
        _take_census(generations, state, source)
    if not state.complete:
        generations.switch(state)
    summary.seconds = time.monotonic() - started
    return summary


def _outdated(state: GenerationState, identity: str) -> list[str]:
    """Why a generation cannot be brought up to date by adding changes to it."""
    reasons = []
    if state.format != INDEX_FORMAT:
        reasons.append(
            f"generation {state.number} is of index format {state.format}, this release "
            f"writes {INDEX_FORMAT}"
        )
    if state.store and state.store != identity:
        reasons.append(
            f"generation {state.number} was built from store {state.store}, the store is now "
            f"{identity} (restored from a backup?)"
        )
    return reasons


def _take_census(generations: Generations, state: GenerationState, source: ChangeSource) -> None:
    """Compare the generation with the store (indexer.census). A rebuild that fails is thrown
    away (the next run starts it again); a live generation that fails is rebuilt by the next
    run, which finds the problem recorded."""
    census = source.census(state.seq, SAMPLE)
    index = generations.open(state.number)
    try:
        with index.searcher() as searcher:
            problems = compare(searcher, census)
    finally:
        index.close()
    if not problems:
        return
    if not state.complete:
        shutil.rmtree(generations.path(state.number), ignore_errors=True)
    raise CensusMismatch(f"generation {state.number}: " + "; ".join(problems))


def _damage(generations: Generations, number: int, every_digest: bool) -> list[str]:
    """What :func:`~indexer.engine.integrity.verify` finds wrong with a generation, named. Unless
    ``every_digest``, only digests unchecked for a day are read: reading the whole index on
    every run would cost seconds and the serving workers' page cache."""
    problems = verify(generations.path(number), every_digest=every_digest)
    return [f"generation {number}: {problem}" for problem in problems]


def _refresh_lexicon(
    generations: Generations, number: int, summary: RunSummary, phrases: Counter[str]
) -> None:
    """Recount the words after every run that changed the index: corrections and pinyin
    must know the words a run added as soon as searches can find them. Only the segments
    new since the last count are walked (:func:`~indexer.lexicon.write_lexicon`)."""
    path = generations.path(number) / LEXICON
    changed = summary.added or summary.updated or summary.deleted
    if not changed and path.exists():
        return
    merge_phrases(generations.path(number), phrases)
    index = generations.open(number)
    try:
        write_lexicon(index, generations.path(number))
    finally:
        index.close()


def _catch_up(
    generations: Generations,
    state: GenerationState,
    source: ChangeSource,
    summary: RunSummary,
    progress: Progress | None,
    commit_every: int,
    synonyms: Path | None,
    budget: int,
) -> Counter[str]:
    """Index every change after the generation's sequence number, committing whenever
    ``commit_every`` changes or ``budget`` bytes of writer memory are pending; returns the
    title phrases of the documents it added."""
    words = (
        cluster_words(source.cluster_names())
        | Synonyms.load(synonyms).words()
        | set(generations.read_dictionary(state.number))
    )
    generations.write_dictionary(state.number, words)
    segmenter = Segmenter(words)
    index_with(segmenter)
    index = generations.open(state.number)
    # A run indexes the feed as it stood when the run began: under a steady stream of pushes a
    # run that chased the feed's end might never end, and nothing it wrote would be committed.
    # What came in meanwhile is the next run's.
    target = source.last_seq()
    expected = max(target - state.seq, 0)
    # Forking sub-writers pays only for a large rebuild (and a process with other threads,
    # such as a test runner, should not fork for a handful of records).
    bulk = not state.complete and expected >= BULK_MIN_CHANGES
    session = _Session(index, state, segmenter, summary, bulk)
    done = 0
    try:
        while state.seq < target:
            changes = source.changes_after(state.seq, BATCH)
            if not changes:
                break
            for change in changes:
                session.apply(change)
            state.seq = changes[-1].seq
            done += len(changes)
            if progress:
                progress(done, max(expected, done))
            if session.pending >= commit_every or session.pending_bytes() >= budget:
                session.commit()
                _seal(generations.path(state.number))
                generations.save_state(state)
        session.commit(reopen=False)
        _seal(generations.path(state.number))
        generations.save_state(state)
    finally:
        session.cancel()
        index.close()
    summary.seq_to = state.seq
    return session.phrases


class _Session:
    """One Whoosh writer and the searcher of what was committed before it.

    ``update_document`` would open a searcher for every document; looking keys up in one
    searcher per writer is much cheaper. A key met twice before a commit (a record changed
    again while the run was going) forces a commit first, so the second version replaces
    the first instead of standing beside it.
    """

    def __init__(
        self,
        index,
        state: GenerationState,
        segmenter: Segmenter,
        summary: RunSummary,
        bulk: bool = False,
    ):
        self.bulk = bulk
        self.index = index
        self.state = state
        self.segmenter = segmenter
        self.summary = summary
        self.writer: IndexWriter | None = None
        self.pending = 0
        self.pending_chars = 0
        self.phrases: Counter[str] = Counter()
        self._keys: set[str] = set()
        self._open()
        # A crash between a Whoosh commit and the state file leaves documents above state.seq
        # that this run reads again: up to the highest of them, a rebuild must look keys up.
        self.replayed_to = _highest_seq(self.searcher, state.seq)

    def _open(self) -> None:
        self.writer = _writer(self.index, bulk=self.bulk)
        self.searcher = self.writer.searcher()
        self._keys.clear()

    def commit(self, reopen: bool = True) -> None:
        self.searcher.close()
        # Never Whoosh's default merge, which merges every segment once there are about 24.
        self.writer.commit(mergetype=merge_policy)
        self.writer = None
        self.pending = 0
        self.pending_chars = 0
        if reopen:
            self._open()

    def pending_bytes(self) -> int:
        """What the writers hold for the changes not yet committed, estimated from their text
        (:data:`BYTES_PER_CHAR`); a parallel rebuild's sub-writers share it between them."""
        return self.pending_chars * BYTES_PER_CHAR

    def cancel(self) -> None:
        if self.writer is not None:
            self.searcher.close()
            self.writer.cancel()
            self.writer = None

    def apply(self, change: IndexDocument) -> None:
        if change.key in self._keys:
            self.commit()
        self.pending += 1
        # In a rebuild, a key at or below the snapshot is met for the first time: nothing to
        # replace or delete. Above it, the record changed while the rebuild ran.
        first_sight = (
            not self.state.complete and self.replayed_to < change.seq <= self.state.snapshot_seq
        )
        existed = not first_sight and self.searcher.document_number(key=change.key) is not None
        if existed:
            self.writer.delete_by_term("key", change.key, searcher=self.searcher)
        if not change.live:
            self.summary.deleted += existed
            return
        self.writer.add_document(**_fields(change))
        self.pending_chars += len(change.title) + len(change.body)
        self.phrases.update(title_phrases(self.segmenter.words(change.title)))
        self._keys.add(change.key)
        if existed:
            self.summary.updated += 1
        else:
            self.summary.added += 1


def _seal(path: Path) -> None:
    """After a commit: the new segments' posting arrays, then the generation's manifest,
    which covers both. A rebuild's segments are decoded a process a core, as they were
    written."""
    forks = multiprocessing.get_start_method() == "fork"
    write_missing(path, processes=min(os.cpu_count() or 1, MAX_WRITER_PROCS) if forks else 1)
    seal(path)


def _writer(index, bulk: bool) -> IndexWriter:
    """A rebuild writes with one Whoosh sub-writer per core, each flushing its own segment
    (posting flush is most of Whoosh's work, and it is pure Python); small incremental runs
    write in-process, where forking would cost more than it saves."""
    procs = min(os.cpu_count() or 1, MAX_WRITER_PROCS)
    # Sub-writers must be forked: they analyse with the segmenter this process set up
    # (index_with), which a spawned or forkserver child would not have.
    forks = multiprocessing.get_start_method() == "fork"
    if bulk and procs > 1 and forks:
        return ParallelWriter(index, procs=procs, limitmb=BULK_LIMIT_MB)
    return MemorySegmentWriter(index, limitmb=INCREMENTAL_LIMIT_MB)


def _highest_seq(searcher, above: int) -> int:
    """The highest change sequence number indexed above ``above``, else ``above``."""
    docnums = searcher.docs_for_query(q.NumericRange("seq", above + 1, None))
    return max((searcher.stored_fields(n)["seq"] for n in docnums), default=above)


def _fields(doc: IndexDocument) -> dict:
    fields = {
        "key": doc.key,
        "seq": doc.seq,
        **{name: getattr(doc, name) for name in PLAIN_FIELDS},
        "branch": " ".join(doc.branch),
        "title": doc.title,
        "body": doc.body,
        "url": doc.url,
        "site_name": doc.site_name,
        "disclosure": doc.disclosure,
    }
    if doc.published is not None:
        fields["published"] = doc.published
        fields["year"] = str(doc.published.year)
    return fields
