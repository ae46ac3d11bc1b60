"""``GET /v1/changes``: the change feed, filtered to what the key's site may see."""

import falcon

from exchange.auth import audience_of, require
from exchange.declaring import Answer, declare
from exchange.errors import InvalidInput
from exchange.params import Choice, Text, Texts, Whole
from exchange.pulling import DEFAULT_LIMIT, MAX_LIMIT, MAX_WAIT, ChangesPage, read_page
from exchange.site_cache import SiteCache
from exchange.store import Store
from exchange.store.sites import TIERS, Site, branch_of

SINCE = Text("since", "the cursor of the previous page (its next); none: from the start")
LIMIT = Whole("limit", "changes a page", default=DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
WAIT = Whole("wait", "long-poll: seconds to wait for a change", default=0, low=0, high=MAX_WAIT)
SITES = Texts("site", "only these sites")
TIER = Choice("tier", "only this tier", TIERS)
BRANCH = Text("branch", "a site and every site below it")


class ChangesResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    @require("pull")
    @declare(
        query=(SINCE, LIMIT, WAIT, SITES, TIER, BRANCH),
        answers={200: Answer("A page of changes", ChangesPage)},
        raises=(InvalidInput,),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The change feed, as far as the key's site may see it."""
        limit = LIMIT.read(req)
        wait = WAIT.read(req)
        sites = select_sites(self.sites.get(), SITES.read(req), TIER.raw(req), BRANCH.read(req))
        since = SINCE.read(req)
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
    TIER.check(tier)
    chosen = set(codes) if codes else set(registry)
    if tier is not None:
        chosen = {code for code in chosen if registry[code].tier == tier}
    if branch is not None:
        chosen = {code for code in chosen if branch in branch_of(registry, code)}
    return sorted(chosen)
