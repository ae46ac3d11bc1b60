"""The citizen-facing pages: ``GET /search`` (the results page, HTML that works without
JavaScript), ``GET /embed.js`` (the search box a cluster site embeds) and
``GET /opensearch.xml``. The page parses its query string exactly as ``/v1/search`` does,
answers through the same :class:`~exchange.search_service.SearchService`, and renders.
"""

from collections.abc import Callable
from datetime import date
from importlib import resources

import falcon
import jinja2

from exchange.declaring import HTML, Answer, declare
from exchange.errors import InvalidInput
from exchange.pages import labels
from exchange.pages.opensearch import MEDIA_TYPE, description
from exchange.pages.page_state import PageState
from exchange.pages.results import page_frame, results_view
from exchange.params import Text
from exchange.search_params import PARAMS, SCOPE, SITE, anchor_and_scope, search_request
from exchange.search_service import SearchService
from exchange.site_cache import SiteCache
from exchange.store.sites import Site
from indexer.engine.querying import QueryTooComplex
from indexer.search_types import IndexUnavailable, SearchRequest

# 大字版 is remembered for a year, so an older reader sets it once.
BIG_COOKIE = "zhanqun_big"
BIG_COOKIE_SECONDS = 365 * 24 * 3600
SCRIPT_CACHE_SECONDS = 600

SOURCE = Text("source", "only this one site of the scope (来源网站)")
BIG = Text("big", "大字版: 1 turns large text on (remembered in a cookie), 0 off")
SCRIPT = "text/javascript"


def static_dir() -> str:
    """Where the pages' stylesheet and script are installed."""
    return str(resources.files("exchange.pages") / "static")


class SearchPageResource:
    def __init__(
        self,
        service: SearchService,
        sites: SiteCache,
        templates: jinja2.Environment,
        today: Callable[[], date] = date.today,
    ) -> None:
        self.service = service
        self.sites = sites
        self.template = templates.get_template("search.html")
        self.today = today

    @declare(
        query=(*PARAMS, SOURCE, BIG),
        answers={
            200: Answer("The results page", media=HTML),
            400: Answer("The page, saying what to change", media=HTML),
            503: Answer("The page, saying the search is not ready yet", media=HTML),
        },
        raises=(InvalidInput,),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The results page: HTML that works without JavaScript (docs/search-box.md).

        It reads its query string as /v1/search does, plus source and big.
        """
        sites = self.sites.get()
        state = PageState.from_request(req)
        view = page_frame(state, sites, _large_text(req, resp))
        try:
            request = search_request(req, sites)
            _narrow_to_source(request, state.get("source"), sites)
            answer = self.service.answer(request, *anchor_and_scope(req), req.context.get("client"))
        except InvalidInput as error:
            resp.status = falcon.HTTP_400
            view.error = labels.input_error(error.field)
        except QueryTooComplex:
            resp.status = falcon.HTTP_400
            view.error = "搜索词太复杂了，请减少词语或符号后再试。"
        except IndexUnavailable:
            resp.status = falcon.HTTP_503
            view.error = "搜索服务正在准备中，请稍后再试。"
        else:
            results_view(view, state, request, answer, sites, self.today())
        resp.content_type = falcon.MEDIA_HTML
        resp.text = self.template.render(view=view)


def _narrow_to_source(request: SearchRequest, source: str, sites: dict[str, Site]) -> None:
    """``source``: only one site of the scope (the 来源网站 filter)."""
    if not source:
        return
    if source not in sites:
        raise InvalidInput(f"site {source} is not registered", code="unknown_site", field="source")
    # Outside the scope it finds nothing, like any filter that excludes everything.
    in_scope = not request.sites or source in request.sites
    request.sites = [source] if in_scope else ["-"]


def _large_text(req: falcon.Request, resp: falcon.Response) -> bool:
    """大字版: ``big=1`` turns it on and remembers it in a cookie, ``big=0`` turns it off."""
    asked = BIG.read(req)
    if asked == "1":
        secure = req.scheme == "https"
        resp.set_cookie(
            BIG_COOKIE, "1", max_age=BIG_COOKIE_SECONDS, path="/", secure=secure, same_site="Lax"
        )
        return True
    if asked == "0":
        resp.unset_cookie(BIG_COOKIE, path="/")
        return False
    return req.cookies.get(BIG_COOKIE) == "1"


class EmbedScriptResource:
    """``/embed.js``, read once when the app is built."""

    def __init__(self) -> None:
        self.script = (resources.files("exchange.pages") / "static" / "embed.js").read_bytes()

    @declare(answers={200: Answer("The script", media=SCRIPT)})
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The search box a cluster site embeds (docs/search-box.md)."""
        resp.content_type = f"{SCRIPT}; charset=utf-8"
        resp.cache_control = ["public", f"max-age={SCRIPT_CACHE_SECONDS}"]
        resp.data = self.script


class OpenSearchResource:
    """``/opensearch.xml[?site=CODE&scope=SCOPE]``: the cluster's search, or one site's."""

    def __init__(self, sites: SiteCache) -> None:
        self.sites = sites

    @declare(
        query=(SITE, SCOPE),
        answers={200: Answer("An OpenSearch description", media=MEDIA_TYPE)},
        raises=(InvalidInput,),
    )
    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        """The OpenSearch description of the cluster's search, or one site's."""
        anchor, scope = anchor_and_scope(req)
        site = self.sites.get().get(anchor) if anchor else None
        if anchor and site is None:
            raise InvalidInput(
                f"site {anchor} is not registered", code="unknown_site", field="site"
            )
        SCOPE.check(scope)
        resp.content_type = f"{MEDIA_TYPE}; charset=utf-8"
        resp.data = description(req.prefix, site, scope if site else None)
