"""The store's change feed as the indexer's :class:`~indexer.documents.ChangeSource`: the one
place where store records become index documents (the store itself knows nothing of the
indexer; the indexer nothing of the store)."""

from datetime import UTC

from exchange.record_input import CLUSTER_TZ
from exchange.store.census import read_census
from exchange.store.engine import Store
from exchange.store.feed import Change, last_seq, read_changes
from exchange.store.migrations import store_id
from exchange.store.sites import Site, all_sites, branch_of
from indexer.census import StoreCensus
from indexer.documents import IndexDocument


class IndexFeed:
    """The store's change feed as the indexer's :class:`~indexer.documents.ChangeSource`."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def changes_after(self, seq: int, limit: int) -> list[IndexDocument]:
        with self.store.read() as conn:
            changes = read_changes(conn, seq, limit)
            sites = all_sites(conn)
        return [_document(change, sites) for change in changes]

    def last_seq(self) -> int:
        with self.store.read() as conn:
            return last_seq(conn)

    def cluster_names(self) -> list[str]:
        with self.store.read() as conn:
            return [site.name for site in all_sites(conn).values()]

    def identity(self) -> str:
        with self.store.read() as conn:
            return store_id(conn)

    def census(self, up_to: int, sample: int) -> StoreCensus:
        with self.store.read() as conn:
            return StoreCensus(*read_census(conn, up_to, sample))


def _document(change: Change, sites: dict[str, Site]) -> IndexDocument:
    if not change.searchable:
        return IndexDocument(key=change.key, seq=change.seq, live=False)
    site = sites.get(change.site)
    published = change.published
    if published is not None:
        # The index keeps the cluster's local time: its year facet and date filters are local.
        published = published.replace(tzinfo=UTC).astimezone(CLUSTER_TZ).replace(tzinfo=None)
    return IndexDocument(
        key=change.key,
        seq=change.seq,
        live=True,
        site=change.site,
        site_name=site.name if site else change.site,
        tier=site.tier if site else "",
        branch=branch_of(sites, change.site),
        column=change.column,
        doc_type=change.doc_type,
        issuer=change.issuer,
        title=change.title,
        body=change.body,
        url=change.url,
        published=published,
        disclosure=change.disclosure(),
    )
