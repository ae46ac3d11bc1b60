"""Which segments a commit merges: a bounded, tiered policy instead of Whoosh's default.

Whoosh's ``MERGE_SMALL`` sorts the segments by size and merges every one up to the first
``i > 3`` whose running total is below ``fib(i + 5)``. Fibonacci outgrows any index, so once
an index holds about 24 segments the rule is met at the largest and *every* segment is merged
— at 430,926 records, through Whoosh's generic per-posting path, an "incremental" run of
16,650 changes was still merging after 10 minutes of CPU, with about 18 GB of the machine's
memory in use (the reference index after a soak, 2026-12-06). A cron run must stay a cron run.

Here segments are grouped in tiers of size (powers of :data:`FACTOR`) and a commit merges at
most one tier: the smallest that holds :data:`FACTOR` segments or more, smallest first, up to
:data:`MERGE_LIMIT` documents. A segment of that many documents or more is never merged by a
commit; the nightly full rebuild writes the index anew, as few large segments. So a commit's
merge costs at most :data:`MERGE_LIMIT` documents, and each document is merged again only as
its segment climbs a tier (a logarithmic number of times).
"""

from whoosh.reading import SegmentReader

FACTOR = 4
MERGE_LIMIT = 20_000
"""Documents a commit merges at most (deleted ones included: they are what a merge drops)."""


def _tier(count: int) -> int:
    tier = 0
    while count >= FACTOR:
        count //= FACTOR
        tier += 1
    return tier


def choose(counts: list[int]) -> list[int]:
    """The positions in ``counts`` (each segment's documents) of the segments to merge.

    >>> choose([26, 1000, 2000, 2000, 2550, 8000, 10000, 17500, 42000])
    []
    >>> choose([3, 5, 6, 7, 9, 300, 25000])
    [1, 2, 3, 4]
    """
    tiers: dict[int, list[int]] = {}
    for at, count in enumerate(counts):
        if count < MERGE_LIMIT:
            tiers.setdefault(_tier(count), []).append(at)
    for tier in sorted(tiers):
        members = sorted(tiers[tier], key=lambda at: counts[at])
        if len(members) < FACTOR:
            continue
        chosen, total = [], 0
        for at in members:
            if total + counts[at] > MERGE_LIMIT:
                break
            chosen.append(at)
            total += counts[at]
        if len(chosen) > 1:
            return sorted(chosen)
    return []


def merge_policy(writer, segments: list) -> list:
    """A Whoosh merge type (``writer.commit(mergetype=merge_policy)``): add the chosen
    segments' documents to the segment being written and return the segments kept."""
    chosen = set(choose([segment.doc_count_all() for segment in segments]))
    for at in sorted(chosen):
        reader = SegmentReader(writer.storage, writer.schema, segments[at])
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [segment for at, segment in enumerate(segments) if at not in chosen]
