"""A mirror whose origin was restored from a backup (or replaced) resynchronises by itself.

The origin answers the mirror's cursor with ``410 cursor_expired`` (its identity changed,
:mod:`exchange.store.restoring`). Its sequence numbers have started again from the backup's, so
the versions of the mirror's copies — the origin's old numbers — no longer compare with the
numbers it now gives: an update after the restore may carry a lower number than the copy it
replaces, and would be refused as stale. And the origin may have lost records the mirror holds.
So :func:`exchange.mirror.mirror`:

1. marks every copy of the sites it has mirrored from that origin as unconfirmed
   (:data:`~exchange.store.mirrors.UNCONFIRMED`, below every version the origin gives);
2. re-reads the origin's feed from the start through the one write path: a copy the origin
   still has with the same content is ``unchanged`` and takes the origin's new number as its
   version (content and change feed untouched: it is not applied twice); anything else is
   applied, whatever its number;
3. once caught up, withdraws the copies still unconfirmed — the origin no longer has them —
   and only then saves the new cursor.

Until step 3 commits the old cursor stays, so a resync that is interrupted starts again from the
beginning at the next run; what it applied is ``unchanged`` the second time.
"""

from collections.abc import Iterator
from dataclasses import dataclass

from exchange.record_input import Deletion, RecordInput
from exchange.store import Store
from exchange.store.audit import audit
from exchange.store.mirrors import mirrored_sites, unconfirm, unconfirmed
from exchange.store.writing import MAX_BATCH, ItemResult

CURSOR_EXPIRED = "cursor_expired"
WITHDRAWN_VERSION = 0
"""A withdrawn copy's version: below every number the restored origin gives, so if it
publishes the record again the mirror takes it."""


@dataclass(frozen=True)
class Resync:
    """A resynchronisation under way: the sites whose copies await confirmation."""

    origin: str
    sites: list[str]
    copies: int

    def notice(self) -> str:
        return (
            f"zhanqun pull: {self.origin} answered 410 {CURSOR_EXPIRED} (its store was restored "
            f"or replaced): re-reading its feed from the start to confirm {self.copies} copies"
        )


def begin(store: Store, origin: str, actor: str) -> Resync:
    """Mark the copies of every site mirrored from ``origin`` as unconfirmed (audited)."""
    with store.write() as conn:
        sites = mirrored_sites(conn, actor)
        copies = unconfirm(conn, sites)
        audit(conn, actor, "pull.resync", None, origin, sites=len(sites), copies=copies)
    return Resync(origin, sites, copies)


def confirmations(items: list[RecordInput | Deletion], results: list[ItemResult]) -> dict[str, int]:
    """The unconfirmed copies a batch found unchanged, with their version at the origin."""
    return {
        item.local_id: item.version
        for item, result in zip(items, results, strict=True)
        if result.outcome == "unchanged"
        and result.version is not None
        and result.version < 0
        and item.version is not None
    }


def withdrawals(store: Store, resync: Resync) -> Iterator[tuple[str, list[Deletion]]]:
    """Batches withdrawing the copies still unconfirmed once the whole feed was read; each
    is looked up after the one before was applied, which confirmed its copies."""
    while pending := unconfirmed(store, resync.sites, MAX_BATCH):
        for site, local_ids in pending.items():
            yield site, [Deletion(local_id, WITHDRAWN_VERSION) for local_id in local_ids]
