"""A batch of records written in a transaction of its own, held by the cluster's
classification marks: for writers with nothing to record beside it (the demo, an import
without an actor, tests and benchmarks). Push, import with an actor and mirrors open the
transaction themselves and write their audit entry in it
(:func:`exchange.store.writing.write_batch`).
"""

from exchange.classification import Marks, shipped_marks
from exchange.store.engine import Store
from exchange.store.items import Deletion, RecordInput
from exchange.store.writing import ItemResult, write_batch


def apply_batch(
    store: Store, site: str, items: list[RecordInput | Deletion], marks: Marks | None = None
) -> list[ItemResult]:
    """Write a batch for one site; durable when this returns. ``marks`` hold an item for
    confidentiality review (the shipped list by default)."""
    with store.write() as conn:
        return write_batch(conn, site, items, (shipped_marks() if marks is None else marks).find)
