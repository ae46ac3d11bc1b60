"""Responses kept for ``Idempotency-Key``: a push retried with the same key and the same body
gets the first response again, byte for byte, instead of a second run of the batch.

The response is stored in the batch's own transaction, so it exists exactly when the batch
committed. Responses are kept for :data:`RETENTION` and belong to the API key that sent them.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, select

from exchange.store import tables

RETENTION = timedelta(hours=24)


@dataclass(frozen=True)
class StoredResponse:
    request_hash: str
    status: int
    body: bytes


def stored_response(conn: Connection, key_id: str, token: str) -> StoredResponse | None:
    t = tables.idempotent_responses.c
    row = conn.execute(
        select(t.request_hash, t.status, t.body).where(
            t.key_id == key_id, t.token == token, t.created_at >= _now() - RETENTION
        )
    ).first()
    return StoredResponse(row.request_hash, row.status, bytes(row.body)) if row else None


def keep_response(
    conn: Connection, key_id: str, token: str, request_hash: str, status: int, body: bytes
) -> None:
    """Store a response (a concurrent twin with the same token fails on the primary key)."""
    t = tables.idempotent_responses
    now = _now()
    # Expired responses go here, which also frees an expired token for reuse.
    conn.execute(t.delete().where(t.c.created_at < now - RETENTION))
    conn.execute(
        t.insert().values(
            key_id=key_id,
            token=token,
            request_hash=request_hash,
            status=status,
            body=body,
            created_at=now,
        )
    )


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
