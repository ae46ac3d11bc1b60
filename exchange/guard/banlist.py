"""Each worker's view of the bans in force, reread from the store at most once a second.

Checking the store on every request would add a query to every search; the bans in force
are few, so a worker keeps them all and looks again once ``refresh_seconds`` have passed. A
ban placed by another worker, the CLI or the API takes effect here within that time; one
this worker places takes effect at once (:meth:`BanList.reload`).
"""

import ipaddress
import logging
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from exchange.guard.clients import canonical
from exchange.store import Store
from exchange.store.bans import Ban, Network, active_bans

log = logging.getLogger("zhanqun")


class BanList:
    def __init__(self, store: Store, refresh_seconds: float = 1.0) -> None:
        self.store = store
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._networks: tuple[tuple[Network, Ban], ...] = ()
        self._keys: dict[str, Ban] = {}
        self._loaded = float("-inf")

    def reload(self) -> None:
        bans = active_bans(self.store)
        networks = tuple((ipaddress.ip_network(b.subject), b) for b in bans if b.kind == "address")
        keys = {b.subject: b for b in bans if b.kind == "key"}
        with self._lock:
            self._networks, self._keys = networks, keys
            self._loaded = time.monotonic()

    def _fresh(self) -> None:
        if time.monotonic() - self._loaded < self.refresh_seconds:
            return
        try:
            self.reload()
        except SQLAlchemyError as error:
            # The store's own failure shows elsewhere (/healthz); keep the bans we know.
            log.warning("could not reread the bans: %s", type(error).__name__)
            self._loaded = time.monotonic()

    def for_address(self, address: str) -> Ban | None:
        """The ban in force on this address (or a network holding it), if any."""
        self._fresh()
        parsed = canonical(address)
        if parsed is None:
            return None
        for network, ban in self._networks:
            if parsed.version == network.version and parsed in network and ban.active():
                return ban
        return None

    def for_key(self, key_id: str) -> Ban | None:
        self._fresh()
        ban = self._keys.get(key_id)
        return ban if ban is not None and ban.active() else None
