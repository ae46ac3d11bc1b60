"""``GET /v1/changes``: the change feed, filtered to what the key's site may see."""

import falcon

from exchange.auth import audience_of, require
from exchange.errors import InvalidInput
from exchange.numbers import whole_param
from exchange.pulling import DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT, read_page
from exchange.site_cache import SiteCache
from exchange.store import Store
from exchange.store.sites import TIERS, Site, branch_of


class ChangesResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    @falcon.before(require("pull"))
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        limit = whole_param(req, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)
        wait = whole_param(req, "wait", 0, 0, MAX_WAIT)
        sites = select_sites(
            self.sites.get(),
            req.get_param_as_list("site") or [],
            req.get_param("tier"),
            req.get_param("branch"),
        )
        since = req.get_param("since")
        audience = audience_of(self.store, req.context.key)
        resp.media = read_page(self.store, audience, since, limit, sites, wait)


def select_sites(
    registry: dict[str, Site], codes: list[str], tier: str | None, branch: str | None
) -> list[str] | None:
    """The sites a pull is narrowed to — every filter given applies — or None for all.

    ``branch`` is a site and every site below it (a county, its townships and departments).
    """
    if not codes and tier is None and branch is None:
        return None
    for field, code in [("site", c) for c in codes] + [("branch", branch)]:
        if code is not None and code not in registry:
            raise InvalidInput(f"site {code} is not registered", code="unknown_site", field=field)
    if tier is not None and tier not in TIERS:
        raise InvalidInput(f"tier must be one of {', '.join(TIERS)}", field="tier")
    chosen = set(codes) if codes else set(registry)
    if tier is not None:
        chosen = {code for code in chosen if registry[code].tier == tier}
    if branch is not None:
        chosen = {code for code in chosen if branch in branch_of(registry, code)}
    return sorted(chosen)
