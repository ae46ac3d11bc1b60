"""``GET /feeds/{site}[/{column}]`` (Atom) and ``GET|POST /oai`` (OAI-PMH 2.0): anonymous."""

from urllib.parse import parse_qsl, quote

import falcon

from exchange.errors import NotFound
from exchange.feeds import atom
from exchange.feeds.oai import MEDIA_TYPE as OAI_MEDIA_TYPE
from exchange.feeds.oai import Repository
from exchange.numbers import whole_param
from exchange.resources.inputs import MAX_ADMIN_BODY, read_body
from exchange.site_cache import SiteCache
from exchange.store import Store


class AtomResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    def on_get(
        self, req: falcon.Request, resp: falcon.Response, site: str, column: str | None = None
    ) -> None:
        found = self.sites.get().get(site)
        if found is None:
            raise NotFound(f"site {site} is not registered", code="unknown_site")
        limit = whole_param(req, "limit", atom.DEFAULT_LIMIT, 1, atom.MAX_LIMIT)
        before = whole_param(req, "before", None, 1, 2**62)
        feed_url = req.prefix + quote(req.path)
        resp.content_type = atom.MEDIA_TYPE
        resp.data = atom.site_feed(self.store, found, column, feed_url, limit, before)

    def on_get_column(self, req: falcon.Request, resp: falcon.Response, site: str, column: str):
        self.on_get(req, resp, site, column.strip("/"))


class OaiResource:
    def __init__(self, repository: Repository) -> None:
        self.repository = repository

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        self._answer(req, resp, parse_qsl(req.query_string, keep_blank_values=True))

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        body = read_body(req, MAX_ADMIN_BODY).decode("utf-8", errors="replace")
        self._answer(req, resp, parse_qsl(body, keep_blank_values=True))

    def _answer(self, req: falcon.Request, resp: falcon.Response, pairs) -> None:
        resp.content_type = OAI_MEDIA_TYPE
        resp.data = self.repository.answer(req.prefix + req.path, pairs)
