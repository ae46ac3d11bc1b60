"""What a search adds for 搜索即服务: the service card for the query and the searching site."""

from exchange.services.cards import ServiceCard, choose_card
from exchange.services.catalogue import ServiceCatalogue
from exchange.site_cache import SiteCache
from exchange.store import Store


class ServiceFinder:
    def __init__(self, store: Store, sites: SiteCache, ttl_seconds: float = 10.0) -> None:
        self.sites = sites
        self.catalogue = ServiceCatalogue(store, sites.get, ttl_seconds)
        # The open sites, worked out again only when the registry is read again.
        self._open: tuple[object, dict] = (None, {})

    def card(self, wordings: list[list[str]], anchor: str | None) -> ServiceCard | None:
        """The card for a query said in ``wordings`` (alternative word lists), searched
        from the site ``anchor``."""
        registry = self.sites.get()
        if self._open[0] is not registry:
            self._open = (registry, {c: s for c, s in registry.items() if s.state == "open"})
        return choose_card(self.catalogue.items(), wordings, self._open[1], anchor)
