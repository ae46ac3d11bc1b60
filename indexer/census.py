"""Checking a generation against the store before it is published (the census).

The store is the source of truth; the index is a copy that a run must never let fall short
of it silently. After catching up to sequence number ``up_to``, a run asks the store how many
records were searchable at that point, and draws a sample of their keys; the generation must
hold exactly that many documents, and every sampled key. A sub-writer that lost its share, a
crash that left a hole, an index from an older store: each shows up here, and the run fails
instead of switching to (or going on serving silently from) a generation that is short.

The store counts records whose latest change is at or below ``up_to``. A record changed
after ``up_to`` (while the run went) is in the index at its older version, if it was
searchable then: the store names those keys (``changed_after``) and the index's count leaves
them out, so pushes arriving during a run never make the census fail.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class StoreCensus:
    """The store's side: searchable records at ``up_to``, keys changed since, a sample."""

    up_to: int
    searchable: int
    changed_after: frozenset[str]
    sample: tuple[str, ...]


SAMPLE = 64
"""Keys drawn at random from the store and looked up in the index on each check."""


def compare(searcher, census: StoreCensus) -> list[str]:
    """What is wrong with the index ``searcher`` reads, compared with the store's census;
    empty when they agree."""
    moved = sum(1 for key in census.changed_after if searcher.document_number(key=key) is not None)
    indexed = searcher.doc_count() - moved
    problems = []
    if indexed != census.searchable:
        problems.append(
            f"the index holds {indexed} documents up to change {census.up_to}, "
            f"the store {census.searchable} searchable records"
        )
    missing = [key for key in census.sample if searcher.document_number(key=key) is None]
    if missing:
        shown = ", ".join(missing[:5])
        problems.append(
            f"{len(missing)} of {len(census.sample)} sampled records are not in the index ({shown})"
        )
    return problems
