"""Who the client is: its address as seen through the reverse proxies we trust.

Behind nginx every request comes from nginx's own address; the client's is the last entry
nginx appended to ``X-Forwarded-For``. Only a proxy we trust may say so — anyone can send the
header — so the address is found by walking the header from the right, past our own proxies,
and taking the first hop that is not one of them (``--trusted-proxies``; loopback by
default, for a proxy on the same host).

A request whose nearest peer is a trusted proxy and which names no other client is the
proxy's own (a health check, a local tool): :meth:`ClientAddresses.is_trusted` tells the
guard, which neither limits nor bans such an address, so a proxy that forgets the header
cannot get the whole service banned. IPv6 clients are counted by their /64, which one
household or office gets whole, so rotating addresses inside it buys nothing.

>>> addresses = ClientAddresses.parse("127.0.0.1,10.0.0.0/8")
>>> addresses.resolve("10.0.0.5", "198.51.100.7, 203.0.113.9, 10.0.0.2")
'203.0.113.9'
>>> addresses.resolve("198.51.100.7", "203.0.113.9")
'198.51.100.7'
>>> addresses.origin("10.0.0.5", "198.51.100.7, 203.0.113.9, 10.0.0.2")
Origin(client='203.0.113.9', proxy='10.0.0.5')
>>> bucket("2001:db8:1:2:3:4:5:6")
'2001:db8:1:2::/64'
"""

import ipaddress

import falcon

from exchange.request_origin import Origin

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
DEFAULT_TRUSTED_PROXIES = "127.0.0.1,::1"
_UNKNOWN = "0.0.0.0"


def canonical(text: str) -> Address | None:
    """An address in one form (IPv4-mapped IPv6 as IPv4), or None if it is not one."""
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def bucket(address: str) -> str:
    """What one client is counted as: its IPv4 address, or its IPv6 /64."""
    parsed = canonical(address)
    if isinstance(parsed, ipaddress.IPv6Address):
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed) if parsed else address


class ClientAddresses:
    """Resolves a request's client address through the trusted proxies."""

    def __init__(self, trusted: tuple[Network, ...]) -> None:
        self.trusted = trusted

    @classmethod
    def parse(cls, text: str) -> "ClientAddresses":
        """From ``--trusted-proxies``: addresses or networks, comma-separated; raises ValueError."""
        networks = []
        for part in (p.strip() for p in text.split(",")):
            if not part:
                continue
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError:
                raise ValueError(f"{part!r} is not an IP address or network") from None
        return cls(tuple(networks))

    def is_trusted(self, address: str) -> bool:
        parsed = canonical(address)
        return parsed is not None and any(parsed in network for network in self.trusted)

    def resolve(self, peer: str, forwarded_for: str | None) -> str:
        """The client's address from the peer's and the ``X-Forwarded-For`` header."""
        nearest = canonical(peer)
        if nearest is None:
            return _UNKNOWN
        if not self.is_trusted(str(nearest)) or not forwarded_for:
            return str(nearest)
        for hop in reversed(forwarded_for.split(",")):
            address = canonical(hop)
            if address is None:
                # A trusted proxy passed on something that is not an address: stop at the
                # last hop we could vouch for rather than believe what came before it.
                break
            nearest = address
            if not self.is_trusted(str(address)):
                break
        return str(nearest)

    def origin(self, peer: str, forwarded_for: str | None) -> Origin:
        """The client and, when a trusted proxy named it, that proxy (the peer)."""
        client = self.resolve(peer, forwarded_for)
        nearest = canonical(peer)
        proxy = str(nearest) if nearest is not None and str(nearest) != client else None
        return Origin(client, proxy)

    def of(self, req: falcon.Request) -> str:
        return self.resolve(req.remote_addr, req.get_header("X-Forwarded-For"))
