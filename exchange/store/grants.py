"""Grants (授权) for conditional sharing (有条件共享): a site lets one other member site pull its
conditional records. A grant is between two sites, whatever keys they hold; revoking it stops
further changes from reaching the grantee (copies it already pulled are its own)."""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TypedDict

from sqlalchemy import Connection, select

from exchange.errors import InvalidInput
from exchange.json_schema import DateTime
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store
from exchange.store.sites import require_site


class GrantEntry(TypedDict):
    """A grant of conditional sharing (有条件共享): ``grantee`` may pull ``owner``'s records."""

    owner: str
    grantee: str
    created_at: DateTime


@dataclass(frozen=True)
class Grant:
    owner: str
    grantee: str
    created_at: datetime

    def as_dict(self) -> GrantEntry:
        return {
            "owner": self.owner,
            "grantee": self.grantee,
            "created_at": self.created_at.replace(tzinfo=UTC).isoformat(),
        }


def granted_to(conn: Connection, grantee: str) -> list[str]:
    """The sites whose conditional records ``grantee`` may pull."""
    g = tables.grants.c
    return list(conn.execute(select(g.owner).where(g.grantee == grantee)).scalars())


def add_grant(store: Store, owner: str, grantee: str, actor: str) -> bool:
    """Grant ``grantee`` the conditional records of ``owner``; False if it already had them."""
    if owner == grantee:
        raise InvalidInput("a site always sees its own records", field="grantee")
    g = tables.grants.c
    with store.write() as conn:
        require_site(conn, owner)
        require_site(conn, grantee)
        exists = conn.execute(select(g.owner).where(g.owner == owner, g.grantee == grantee)).first()
        if exists:
            return False
        conn.execute(
            tables.grants.insert().values(
                owner=owner, grantee=grantee, created_at=datetime.now(UTC).replace(tzinfo=None)
            )
        )
        audit(conn, actor, "grant.add", owner, grantee)
    return True


def remove_grant(store: Store, owner: str, grantee: str, actor: str) -> bool:
    """Withdraw a grant; False if there was none."""
    g = tables.grants.c
    with store.write() as conn:
        require_site(conn, owner)
        removed = conn.execute(
            tables.grants.delete().where(g.owner == owner, g.grantee == grantee)
        ).rowcount
        if removed:
            audit(conn, actor, "grant.remove", owner, grantee)
    return bool(removed)


def list_grants(store: Store, site: str | None = None) -> list[Grant]:
    """Every grant, or those a site gave or received."""
    g = tables.grants.c
    statement = select(tables.grants).order_by(g.owner, g.grantee)
    if site is not None:
        statement = statement.where((g.owner == site) | (g.grantee == site))
    with store.read() as conn:
        return [Grant(row.owner, row.grantee, row.created_at) for row in conn.execute(statement)]
