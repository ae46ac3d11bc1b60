"""What the indexer consumes: one change of the store, shaped for the index.

The relational store lives in :mod:`exchange`; it hands the indexer a :class:`ChangeSource`
so that this package never imports the service. A change is either a live document (upsert)
or a key that must leave the index (deleted, withdrawn, held back or no longer public).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from indexer.census import StoreCensus


@dataclass(frozen=True, slots=True)
class IndexDocument:
    """One record as of one change sequence number."""

    key: str
    seq: int
    live: bool
    site: str = ""
    site_name: str = ""
    tier: str = ""
    branch: Sequence[str] = ()
    column: str = ""
    doc_type: str = ""
    issuer: str = ""
    title: str = ""
    body: str = ""
    url: str = ""
    published: datetime | None = None
    disclosure: dict[str, str] = field(default_factory=dict)


class ChangeSource(Protocol):
    """Where the indexer reads changes from: the store's change feed."""

    def changes_after(self, seq: int, limit: int) -> list[IndexDocument]:
        """Changes with sequence number above ``seq``, in sequence order, at most ``limit``."""
        ...

    def last_seq(self) -> int:
        """The highest sequence number committed so far."""
        ...

    def cluster_names(self) -> list[str]:
        """Names of every site and department, for the segmentation dictionary."""
        ...

    def identity(self) -> str:
        """The store's identity: it changes when the store is restored from a backup, after
        which sequence numbers the index has seen are given out again."""
        ...

    def census(self, up_to: int, sample: int) -> StoreCensus:
        """What the store holds as searchable at sequence number ``up_to``
        (:class:`~indexer.census.StoreCensus`), with ``sample`` of its keys drawn at random."""
        ...
