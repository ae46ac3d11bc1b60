"""Best bets (推荐结果) as the store keeps them: a record pinned to a query for the searches
from one site, from a branch, or from the whole cluster, until it expires.

The store knows rows, not rules: a query arrives already folded the way searches are compared,
an expiry already decided (:mod:`exchange.best_bets` does both). What it checks is what only
it can: the record exists and is searchable now, the site or branch is registered. Adding and
removing are written to the audit log in the same transaction (``bestbet.add``,
``bestbet.remove``); a removed best bet's row is deleted, the log keeps its history.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, delete, select

from exchange.errors import InvalidInput, NotFound
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store
from exchange.store.sites import require_site
from exchange.store.tables import LIVE_REVIEW

MAX_QUERY = 256
MAX_NOTE = 256


@dataclass(frozen=True)
class BestBet:
    id: int
    query: str
    record_site: str
    record_id: str
    site: str | None  # searches from this site
    branch: str | None  # searches from any site of this branch
    expires_at: datetime  # UTC
    actor: str
    created_at: datetime
    note: str = ""
    # The record as the store has it now (listings only): its title, and whether it can be
    # found at all (a record withdrawn or held since it was pinned is not shown).
    title: str = ""
    searchable: bool = True

    @property
    def record_key(self) -> str:
        """The record's key in the index: ``SITE/ID``."""
        return f"{self.record_site}/{self.record_id}"

    @property
    def applies_to(self) -> str:
        """site, branch or cluster."""
        return "site" if self.site else "branch" if self.branch else "cluster"

    def active(self, now: datetime) -> bool:
        return self.expires_at > now


def add_best_bet(
    store: Store,
    query: str,
    record_site: str,
    record_id: str,
    actor: str,
    expires_at: datetime,
    site: str | None = None,
    branch: str | None = None,
    note: str = "",
) -> BestBet:
    """Pin a record to a (folded) query; refused when the record cannot be searched."""
    if not query or len(query) > MAX_QUERY:
        raise InvalidInput(f"the query must be 1–{MAX_QUERY} characters", field="query")
    if site and branch:
        raise InvalidInput("a best bet is for a site or a branch, not both", field="branch")
    if len(note) > MAX_NOTE:
        raise InvalidInput(f"note must be at most {MAX_NOTE} characters", field="note")
    now = _now()
    with store.write() as conn:
        title = _searchable_title(conn, record_site, record_id)
        for code in (site, branch):
            if code:
                require_site(conn, code)
        bet_id = conn.execute(
            tables.best_bets.insert().values(
                query=query,
                record_site=record_site,
                record_id=record_id,
                site=site or None,
                branch=branch or None,
                expires_at=expires_at,
                actor=actor[:64],
                created_at=now,
                note=note,
            )
        ).inserted_primary_key[0]
        bet = BestBet(bet_id, query, record_site, record_id, site or None, branch or None,
                      expires_at, actor[:64], now, note, title)  # fmt: skip
        audit(conn, actor, "bestbet.add", site or branch, query, **_detail(bet))
    return bet


def remove_best_bet(store: Store, bet_id: int, actor: str) -> BestBet:
    """Unpin: the best bet is deleted at once, whether or not it had expired."""
    b = tables.best_bets.c
    with store.write() as conn:
        row = conn.execute(select(tables.best_bets).where(b.id == bet_id)).first()
        if row is None:
            raise NotFound(f"no best bet {bet_id}", code="unknown_best_bet", field="id")
        bet = _bet(row)
        conn.execute(delete(tables.best_bets).where(b.id == bet_id))
        audit(conn, actor, "bestbet.remove", bet.site or bet.branch, bet.query, **_detail(bet))
    return bet


def list_best_bets(store: Store, include_expired: bool = False) -> list[BestBet]:
    """Best bets by query, then as they were added, each with its record's title now."""
    b, r = tables.best_bets.c, tables.records.c
    on = (r.site == b.record_site) & (r.local_id == b.record_id)
    live = ~r.deleted & r.public & r.review.in_(LIVE_REVIEW)
    statement = (
        select(tables.best_bets, r.title.label("title"), live.label("live"))
        .select_from(tables.best_bets.outerjoin(tables.records, on))
        .order_by(b.query, b.id)
    )
    if not include_expired:
        statement = statement.where(b.expires_at > _now())
    with store.read() as conn:
        return [_bet(row, row.title or "", bool(row.live)) for row in conn.execute(statement)]


def active_best_bets(conn: Connection, now: datetime) -> list[BestBet]:
    """Every best bet in force at ``now`` (what each worker keeps to answer searches)."""
    b = tables.best_bets.c
    rows = conn.execute(select(tables.best_bets).where(b.expires_at > now).order_by(b.id))
    return [_bet(row) for row in rows]


def _searchable_title(conn: Connection, site: str, local_id: str) -> str:
    r = tables.records.c
    row = conn.execute(
        select(r.title, r.deleted, r.public, r.review).where(r.site == site, r.local_id == local_id)
    ).first()
    if row is None:
        raise NotFound(f"no record {site}/{local_id} in the store", code="unknown_record",
                       field="record")  # fmt: skip
    if row.deleted or not row.public or row.review not in LIVE_REVIEW:
        state = "withdrawn" if row.deleted else "not public" if not row.public else "held"
        raise InvalidInput(f"record {site}/{local_id} is {state}: it cannot be searched",
                           code="record_not_searchable", field="record")  # fmt: skip
    return row.title


def _detail(bet: BestBet) -> dict:
    expires = bet.expires_at.replace(tzinfo=UTC).isoformat()
    return {"id": bet.id, "record": bet.record_key, "applies_to": bet.applies_to,
            "expires_at": expires, "note": bet.note}  # fmt: skip


def _bet(row, title: str = "", searchable: bool = True) -> BestBet:
    return BestBet(row.id, row.query, row.record_site, row.record_id, row.site, row.branch,
                   row.expires_at, row.actor, row.created_at, row.note, title,
                   searchable)  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
