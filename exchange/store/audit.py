"""The audit log (审计日志): every push and every administrative operation, who did it and when.

An entry is written in the same transaction as the operation it records, so the log never
claims something that did not happen and nothing happens without its entry. The actor is
``key:ID`` for the HTTP API and ``cli:USER`` for the command line; an entry made over HTTP
also holds the client's address and the proxy it came through (``client``, ``proxy``).
"""

import getpass
from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from sqlalchemy import Connection, select

from exchange.request_origin import current_origin
from exchange.store import tables
from exchange.store.engine import Store


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    actor: str
    action: str
    site: str | None
    target: str
    detail: dict

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "at": self.at.replace(tzinfo=UTC).isoformat(),
            "actor": self.actor,
            "action": self.action,
            "site": self.site,
            "target": self.target,
            "detail": self.detail,
        }


def cli_actor() -> str:
    """The actor of an operation run from the command line: the operating-system user."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def audit(
    conn: Connection, actor: str, action: str, site: str | None = None, target: str = "", **detail
) -> None:
    """Record one operation, inside the caller's transaction; one an HTTP request causes
    carries the request's client address and proxy (:mod:`exchange.request_origin`)."""
    origin = current_origin()
    if origin is not None:
        detail = {**detail, **origin.as_dict()}
    conn.execute(
        tables.audit_log.insert().values(
            at=datetime.now(UTC).replace(tzinfo=None),
            actor=actor[:64],
            action=action,
            site=site,
            target=target[:256],
            detail=orjson.dumps(detail).decode(),
        )
    )


def recent_entries(
    store: Store, limit: int = 50, site: str | None = None, action: str | None = None
) -> list[AuditEntry]:
    """The newest entries first."""
    a = tables.audit_log.c
    statement = select(tables.audit_log).order_by(a.id.desc()).limit(limit)
    if site is not None:
        statement = statement.where(a.site == site)
    if action is not None:
        statement = statement.where(a.action == action)
    with store.read() as conn:
        rows = conn.execute(statement).all()
    return [
        AuditEntry(
            row.id, row.at, row.actor, row.action, row.site, row.target, orjson.loads(row.detail)
        )
        for row in rows
    ]
