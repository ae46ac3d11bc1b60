"""What a search adds for 搜索即服务: the service card for the query and the searching site."""

from exchange.services.cards import ServiceCard, choose_card
from exchange.services.catalogue import ServiceCatalogue
from exchange.site_cache import SiteCache
from exchange.store import Store


class ServiceFinder:
    def __init__(self, store: Store, sites: SiteCache, ttl_seconds: float = 10.0) -> None:
        self.sites = sites
        self.catalogue = ServiceCatalogue(store, sites.get, ttl_seconds)

    def card(self, wordings: list[list[str]], anchor: str | None) -> ServiceCard | None:
        """The card for a query said in ``wordings`` (alternative word lists), searched
        from the site ``anchor``."""
        sites = {code: site for code, site in self.sites.get().items() if site.state == "open"}
        return choose_card(self.catalogue.items(), wordings, sites, anchor)
