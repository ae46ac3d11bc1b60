"""Bans placed by an operator, by the CLI or the API: the checks both share.

An operator may ban any address or network except the service's own reverse proxies: a ban
of the proxy would refuse every citizen behind it at once, which is never what was meant.
"""

import ipaddress
from datetime import timedelta

from exchange.errors import InvalidInput
from exchange.guard.clients import ClientAddresses
from exchange.store import Store
from exchange.store.bans import Ban, add_ban, canonical_subject


def ban_manually(
    store: Store,
    addresses: ClientAddresses,
    kind: str,
    subject: str,
    actor: str,
    duration: timedelta | None,
    reason: str = "",
    spares_keys: bool = False,
) -> Ban:
    """Place a ban (of an address, sparing keys or not); raises :class:`InvalidInput` for a
    trusted proxy's address."""
    subject = canonical_subject(kind, subject)
    if kind == "address":
        network = ipaddress.ip_network(subject)
        for proxy in addresses.trusted:
            if proxy.version == network.version and proxy.overlaps(network):
                raise InvalidInput(
                    f"{subject} holds the trusted proxy {proxy}: banning it would refuse "
                    "every client behind the proxy",
                    code="protected_address",
                    field="address",
                )
    return add_ban(store, kind, subject, actor, duration, reason, spares_keys)
