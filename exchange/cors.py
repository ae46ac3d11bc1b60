"""Cross-origin calls to the JSON API (CORS), allowed for the cluster's own sites only.

A cluster site's pages call the API from the browser — the embedded search box asks
``/v1/suggest`` as the citizen types — so the browser must be told that the site's origin may
read the answers. The allow-list is the origins of the ``base_url`` of every open site in the
registry (a closed site, 关停, is offline and loses the right with it); it follows the registry
as the :class:`~exchange.site_cache.SiteCache` reloads, so registering a site is all it takes.

Any other origin gets no CORS headers, so a browser will not let its pages read the answer, and
its preflight requests are refused. Calls without an ``Origin`` (servers, ``curl``, the
``zhanqun pull`` mirror) are not affected: CORS is a rule for browsers.
"""

from urllib.parse import urlsplit

import falcon

from exchange.errors import Forbidden
from exchange.site_cache import SiteCache
from exchange.store.sites import Site

API_PREFIX = "/v1/"
ALLOW_METHODS = "GET, POST, PUT, DELETE"
ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key"
PREFLIGHT_MAX_AGE = "600"
_DEFAULT_PORTS = {"http": 80, "https": 443}


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of a URL as browsers send it in ``Origin``, or None.

    >>> origin_of("https://WWW.Baoshan.gov.cn:443/index.html")
    'https://www.baoshan.gov.cn'
    """
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in _DEFAULT_PORTS or not parts.hostname:
        return None
    host = parts.hostname
    if ":" in host:
        host = f"[{host}]"
    if port is not None and port != _DEFAULT_PORTS[parts.scheme]:
        host = f"{host}:{port}"
    return f"{parts.scheme}://{host}"


def cluster_origins(sites: dict[str, Site]) -> frozenset[str]:
    """The origins of the open sites' base URLs."""
    found = (origin_of(site.base_url) for site in sites.values() if site.state == "open")
    return frozenset(origin for origin in found if origin)


class ClusterCors:
    """Falcon middleware: CORS headers on ``/v1/`` answers for cluster site origins."""

    def __init__(self, sites: SiteCache) -> None:
        self.sites = sites
        self._registry: dict[str, Site] | None = None
        self._origins: frozenset[str] = frozenset()

    def allowed(self, origin: str) -> bool:
        registry = self.sites.get()
        # The cache hands out a new dict when it reloads; recompute only then.
        if registry is not self._registry:
            self._origins = cluster_origins(registry)
            self._registry = registry
        return origin in self._origins

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        if not req.path.startswith(API_PREFIX) or not _is_preflight(req):
            return
        if not self.allowed(req.get_header("Origin")):
            raise Forbidden(
                "this origin is not a registered cluster site", code="origin_not_allowed"
            )
        resp.status = falcon.HTTP_204
        resp.set_header("Access-Control-Allow-Methods", ALLOW_METHODS)
        resp.set_header("Access-Control-Allow-Headers", ALLOW_HEADERS)
        resp.set_header("Access-Control-Max-Age", PREFLIGHT_MAX_AGE)
        resp.complete = True

    def process_response(
        self, req: falcon.Request, resp: falcon.Response, resource, req_succeeded: bool
    ) -> None:
        if not req.path.startswith(API_PREFIX):
            return
        resp.append_header("Vary", "Origin")
        origin = req.get_header("Origin")
        if origin and self.allowed(origin):
            resp.set_header("Access-Control-Allow-Origin", origin)


def _is_preflight(req: falcon.Request) -> bool:
    return (
        req.method == "OPTIONS"
        and req.get_header("Origin") is not None
        and req.get_header("Access-Control-Request-Method") is not None
    )
