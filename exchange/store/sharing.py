"""Sharing rules (共享): who may read a record, and who must be told when it goes away.

A record's share type decides which cluster members may pull it:

* ``unconditional`` — 无条件共享: every member;
* ``conditional`` — 有条件共享: members its site has granted (:mod:`exchange.store.grants`);
* ``none`` — 不予共享: nobody but its own site.

``public`` is a separate question: public search and the anonymous feeds (Atom, OAI-PMH) show
only public records, and the anonymous feeds only those that are also unconditional. A record
that is withdrawn, or held or rejected by confidentiality review (保密审核), is seen by nobody but
the cluster's operator — and by the operator only outside the feeds.

A record's *reach* is the widest audience it has ever had: ``OWNER`` (its own site), ``CLUSTER``
(other members) or ``PUBLIC`` (anyone). It only grows. A reader meets a change it may not see
as a content-free tombstone when the record once reached it, so that a copy it may hold is
dropped; a record that never reached the reader does not appear in its feed at all, so 不予共享
and held items never leave their owner, not even as an id.
"""

from dataclasses import dataclass

from sqlalchemy import Connection

from exchange.store.feed import LIVE_REVIEW, Change, FeedScope
from exchange.store.grants import granted_to

OWNER, CLUSTER, PUBLIC = 0, 1, 2


def reach_of(deleted: bool, review: str, share: str, public: bool) -> int:
    """The audience a record in this state has right now."""
    if deleted or review not in LIVE_REVIEW or share == "none":
        return OWNER
    if share == "unconditional" and public:
        return PUBLIC
    return CLUSTER


@dataclass(frozen=True)
class Audience:
    """Who reads: the cluster's operator, one member site (through its key), or anyone."""

    kind: str
    site: str | None = None
    granted_by: frozenset[str] = frozenset()

    @classmethod
    def operator(cls) -> "Audience":
        return cls("operator")

    @classmethod
    def anyone(cls) -> "Audience":
        return cls("anyone")

    @classmethod
    def member(cls, conn: Connection, site: str) -> "Audience":
        """A member site, with the sites that granted it their conditional records."""
        return cls("member", site, frozenset(granted_to(conn, site)))

    def sees(self, change: Change) -> bool:
        """Whether this reader may have the record's content as of this change."""
        if change.deleted or change.held:
            return False
        if self.kind == "operator" or change.site == self.site:
            return True
        if self.kind == "anyone":
            return change.share == "unconditional" and change.public
        if change.share == "unconditional":
            return True
        return change.share == "conditional" and change.site in self.granted_by

    def scope(self, **filters) -> FeedScope:
        """The feed rows this reader gets something for: what reached it, and its own site's."""
        if self.kind == "operator":
            return FeedScope(**filters)
        if self.kind == "anyone":
            return FeedScope(min_reach=PUBLIC, **filters)
        return FeedScope(min_reach=CLUSTER, owned=(self.site,), **filters)
