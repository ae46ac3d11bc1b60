"""``GET /feeds/{site}[/{column}]`` (Atom) and ``GET|POST /oai`` (OAI-PMH 2.0): anonymous."""

from typing import Annotated, TypedDict
from urllib.parse import parse_qsl, quote

import falcon

from exchange.declaring import FORM, Answer, Body, SiteCode, declare
from exchange.errors import InvalidInput, NotFound, TooLarge
from exchange.feeds import atom, oai
from exchange.json_schema import Schema
from exchange.params import Choice, Text, Whole
from exchange.resources.inputs import MAX_ADMIN_BODY, read_body
from exchange.site_cache import SiteCache
from exchange.store import Store

LIMIT = Whole("limit", "entries a page", default=atom.DEFAULT_LIMIT, low=1, high=atom.MAX_LIMIT)
BEFORE = Whole("before", "older than this change (paging)", default=None, low=1, high=2**62)
FEED = Answer("An Atom feed with RFC 6721 tombstones", media=atom.MEDIA_TYPE)
Column = Annotated[str, "a column path"]

VERB = Choice("verb", "the OAI-PMH request", tuple(oai.ARGUMENTS))
OAI_ARGUMENTS = (
    VERB,
    *(
        Text(name, f"an argument of {', '.join(verbs)}")
        for name, verbs in oai.argument_verbs().items()
    ),
    Text(oai.RESUMPTION, "the next page of a list (exclusive)"),
)
OaiForm = TypedDict(
    "OaiForm",
    {argument.name: Annotated[str, Schema(**argument.schema())] for argument in OAI_ARGUMENTS},
    total=False,
)
OAI_ANSWER = Answer("An OAI-PMH 2.0 answer (its errors are the protocol's own)",
                    media=oai.MEDIA_TYPE)  # fmt: skip


class AtomResource:
    def __init__(self, store: Store, sites: SiteCache) -> None:
        self.store = store
        self.sites = sites

    @declare(query=(LIMIT, BEFORE), answers={200: FEED}, raises=(InvalidInput, NotFound))
    def on_get(
        self, req: falcon.Request, resp: falcon.Response, site: SiteCode, column: str | None = None
    ) -> None:
        """A site's Atom feed."""
        found = self.sites.get().get(site)
        if found is None:
            raise NotFound(f"site {site} is not registered", code="unknown_site")
        limit = LIMIT.read(req)
        before = BEFORE.read(req)
        feed_url = req.prefix + quote(req.path)
        resp.content_type = atom.MEDIA_TYPE
        resp.data = atom.site_feed(self.store, found, column, feed_url, limit, before)

    @declare(query=(LIMIT, BEFORE), answers={200: FEED}, raises=(InvalidInput, NotFound))
    def on_get_column(
        self, req: falcon.Request, resp: falcon.Response, site: SiteCode, column: Column
    ) -> None:
        """One column's Atom feed."""
        self.on_get(req, resp, site, column.strip("/"))


class OaiResource:
    def __init__(self, repository: oai.Repository) -> None:
        self.repository = repository

    @declare(query=OAI_ARGUMENTS, answers={200: OAI_ANSWER})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """OAI-PMH 2.0: the harvesting protocol of libraries and archives."""
        self._answer(req, resp, parse_qsl(req.query_string, keep_blank_values=True))

    @declare(
        body=Body(OaiForm, media=FORM, required=False), answers={200: OAI_ANSWER},
        raises=(TooLarge,),
    )  # fmt: skip
    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        """OAI-PMH 2.0, the arguments form-encoded in the body."""
        body = read_body(req, MAX_ADMIN_BODY).decode("utf-8", errors="replace")
        self._answer(req, resp, parse_qsl(body, keep_blank_values=True))

    def _answer(self, req: falcon.Request, resp: falcon.Response, pairs) -> None:
        resp.content_type = oai.MEDIA_TYPE
        resp.data = self.repository.answer(req.prefix + req.path, pairs)
