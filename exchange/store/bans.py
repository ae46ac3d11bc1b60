"""Bans (封禁): a client address, a network or an API key refused everything for a while.

A ban is placed by an operator (``zhanqun bans add``, ``POST /v1/bans``) or automatically by
the service (repeated failed authentications, or a client that keeps exceeding its rate
limit: :mod:`exchange.guard`). Every ban and every lifting is written to the audit log in the
same transaction. Rows are never deleted: an expired or lifted ban stays as history.

A subject is an IPv4 or IPv6 address, a network in CIDR notation (``203.0.113.0/24``), or a
key id. An address ban may *spare keys*: a request from the address with a valid, unbanned
API key goes through (a county's NAT shared with an attacker must not stop its CMS); the
automatic bans of addresses all do. Addresses are stored in their canonical form, so
``::ffff:1.2.3.4`` and ``1.2.3.4`` or an uppercase IPv6 address cannot slip past a ban of the
same host.
"""

import ipaddress
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Annotated, TypedDict

from sqlalchemy import Connection, or_, select

from exchange.errors import InvalidInput, NotFound
from exchange.json_schema import DateTime, Schema
from exchange.store import tables
from exchange.store.audit import audit
from exchange.store.engine import Store

KINDS = ("address", "key")
MAX_REASON = 256
_KEY_ID = re.compile(r"^[0-9a-f]{12}$")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


Moment = DateTime | None


class BanEntry(TypedDict):
    id: int
    kind: Annotated[str, Schema(enum=KINDS)]
    subject: Annotated[str, "an address, a network (CIDR) or a key id"]
    reason: str
    actor: str
    created_at: DateTime
    expires_at: Annotated[Moment, "none: until lifted"]
    lifted_at: Moment
    lifted_by: str | None
    spares_keys: Annotated[bool, "an address ban that lets requests with a valid key through"]
    active: bool


@dataclass(frozen=True)
class Ban:
    id: int
    kind: str
    subject: str
    reason: str
    actor: str
    created_at: datetime
    expires_at: datetime | None
    lifted_at: datetime | None = None
    lifted_by: str | None = None
    spares_keys: bool = False

    def active(self, now: datetime | None = None) -> bool:
        now = now or _now()
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > now)

    def seconds_left(self, now: datetime | None = None) -> int | None:
        """Seconds until the ban expires (at least 1), or None for a ban until lifted."""
        if self.expires_at is None:
            return None
        left = (self.expires_at - (now or _now())).total_seconds()
        return max(1, int(left + 0.999))

    def as_dict(self) -> BanEntry:
        def moment(value: datetime | None) -> str | None:
            return value.replace(tzinfo=UTC).isoformat() if value else None

        return {
            "id": self.id,
            "kind": self.kind,
            "subject": self.subject,
            "reason": self.reason,
            "actor": self.actor,
            "created_at": moment(self.created_at),
            "expires_at": moment(self.expires_at),
            "lifted_at": moment(self.lifted_at),
            "lifted_by": self.lifted_by,
            "spares_keys": self.spares_keys,
            "active": self.active(),
        }


def canonical_subject(kind: str, subject: str) -> str:
    """The stored form of a subject; raises :class:`InvalidInput` for one that is not valid."""
    if kind not in KINDS:
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}", field="kind")
    subject = subject.strip()
    if kind == "key":
        if not _KEY_ID.match(subject):
            raise InvalidInput("a key is named by its 12-character id", field="key")
        return subject
    try:
        network = ipaddress.ip_network(subject, strict=False)
    except ValueError:
        raise InvalidInput(f"{subject!r} is not an IP address or network (CIDR)",
                           code="invalid_address", field="address") from None  # fmt: skip
    if isinstance(network, ipaddress.IPv6Network) and network.network_address.ipv4_mapped:
        mapped = network.network_address.ipv4_mapped
        network = ipaddress.ip_network(f"{mapped}/{max(network.prefixlen - 96, 0)}")
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


def add_ban(
    store: Store,
    kind: str,
    subject: str,
    actor: str,
    duration: timedelta | None,
    reason: str = "",
    spares_keys: bool = False,
) -> Ban:
    """Ban a subject for ``duration`` (None: until lifted); an address ban may spare keys."""
    ban = _place(store, kind, subject, actor, duration, reason, spares_keys, unless_banned=False)
    if ban is None:
        raise AssertionError("a ban is always placed when unless_banned is false")
    return ban


def add_ban_unless_banned(
    store: Store,
    kind: str,
    subject: str,
    actor: str,
    duration: timedelta,
    reason: str,
    spares_keys: bool = False,
) -> Ban | None:
    """An automatic ban: nothing is done, and None returned, when the subject already has one
    in force, so several workers noticing the same abuser at once place one ban, not one each."""
    return _place(store, kind, subject, actor, duration, reason, spares_keys, unless_banned=True)


def _place(
    store: Store,
    kind: str,
    subject: str,
    actor: str,
    duration: timedelta | None,
    reason: str,
    spares_keys: bool,
    unless_banned: bool,
) -> Ban | None:
    subject = canonical_subject(kind, subject)
    if spares_keys and kind != "address":
        raise InvalidInput("only a ban of an address can spare keys", field="spare_keys")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"reason must be at most {MAX_REASON} characters", field="reason")
    if duration is not None and duration <= timedelta(0):
        raise InvalidInput("a ban lasts a positive time", field="duration")
    now = _now()
    expires = now + duration if duration is not None else None
    with store.write() as conn:
        if kind == "key" and not _key_exists(conn, subject):
            raise NotFound(f"no key {subject}", code="unknown_key", field="key")
        if unless_banned and _active_for(conn, kind, subject, now):
            return None
        ban_id = conn.execute(
            tables.bans.insert().values(
                kind=kind,
                subject=subject,
                reason=reason,
                actor=actor[:64],
                created_at=now,
                expires_at=expires,
                spares_keys=spares_keys,
            )
        ).inserted_primary_key[0]
        seconds = int(duration.total_seconds()) if duration is not None else None
        audit(conn, actor, "ban.add", None, f"{kind}:{subject}", id=ban_id, reason=reason,
              seconds=seconds, spares_keys=spares_keys)  # fmt: skip
    return Ban(ban_id, kind, subject, reason, actor[:64], now, expires, spares_keys=spares_keys)


def lift_ban(store: Store, ban_id: int, actor: str) -> Ban:
    """End a ban now (unban). Lifting one that already ended changes nothing."""
    with store.write() as conn:
        row = conn.execute(select(tables.bans).where(tables.bans.c.id == ban_id)).first()
        if row is None:
            raise NotFound(f"no ban {ban_id}", code="unknown_ban")
        ban = _ban(row)
        if not ban.active():
            return ban
        now = _now()
        conn.execute(
            tables.bans.update()
            .where(tables.bans.c.id == ban_id)
            .values(lifted_at=now, lifted_by=actor[:64])
        )
        audit(conn, actor, "ban.lift", None, f"{ban.kind}:{ban.subject}", id=ban_id)
    return replace(ban, lifted_at=now, lifted_by=actor[:64])


def list_bans(store: Store, include_ended: bool = False, limit: int = 200) -> list[Ban]:
    """Bans, newest first: the active ones, or every ban ever placed."""
    b = tables.bans.c
    statement = select(tables.bans).order_by(b.id.desc()).limit(limit)
    if not include_ended:
        statement = statement.where(*_active_clause(_now()))
    with store.read() as conn:
        return [_ban(row) for row in conn.execute(statement)]


def active_bans(store: Store) -> list[Ban]:
    """Every ban in force now (what each worker checks requests against)."""
    with store.read() as conn:
        rows = conn.execute(select(tables.bans).where(*_active_clause(_now())))
        return [_ban(row) for row in rows]


def _active_for(conn: Connection, kind: str, subject: str, now: datetime) -> bool:
    b = tables.bans.c
    statement = select(b.id).where(b.kind == kind, b.subject == subject, *_active_clause(now))
    return conn.execute(statement.limit(1)).first() is not None


def _key_exists(conn: Connection, key_id: str) -> bool:
    k = tables.api_keys.c
    return conn.execute(select(k.id).where(k.id == key_id)).first() is not None


def _active_clause(now: datetime) -> tuple:
    b = tables.bans.c
    return (b.lifted_at.is_(None), or_(b.expires_at.is_(None), b.expires_at > now))


def _ban(row) -> Ban:
    return Ban(row.id, row.kind, row.subject, row.reason, row.actor, row.created_at,
               row.expires_at, row.lifted_at, row.lifted_by, row.spares_keys)  # fmt: skip


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
