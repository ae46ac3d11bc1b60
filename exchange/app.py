"""The Falcon application: :func:`create_app` wires dependencies, :func:`get_app` is what
gunicorn loads in each worker (so the store and the index are opened after the fork)."""

import logging
import time

import falcon
import orjson
from sqlalchemy.exc import DataError

from exchange.analytics import SearchLog
from exchange.auth import KeyAuthentication
from exchange.best_bets import BestBets
from exchange.classification import Marks
from exchange.cors import ClusterCors
from exchange.engine_errors import ENGINE_ERRORS, EngineError
from exchange.errors import ErrorAnswer, ErrorDetail, ZhanqunError
from exchange.feeds.oai import Repository
from exchange.guard.middleware import BanCheck, ClientOrigin, Guard, RateLimit
from exchange.metrics.service import Metrics, RequestMetrics
from exchange.metrics.state import SharedStateCollector
from exchange.numbers import WholeNumberConverter
from exchange.pages import templating
from exchange.pages.security import PageSecurityHeaders
from exchange.popular import PopularQueries
from exchange.resources.admin import (
    GrantResource,
    GrantsResource,
    ReviewDecisionResource,
    ReviewQueueResource,
)
from exchange.resources.bans import BanResource, BansResource
from exchange.resources.changes import ChangesResource
from exchange.resources.feeds import AtomResource, OaiResource
from exchange.resources.health import HealthResource
from exchange.resources.openapi import OpenApiResource
from exchange.resources.pages import (
    EmbedScriptResource,
    OpenSearchResource,
    SearchPageResource,
    static_dir,
)
from exchange.resources.records import RecordResource, RecordsResource
from exchange.resources.search import SearchResource
from exchange.resources.suggest import SuggestResource
from exchange.search_service import SearchService
from exchange.services.finder import ServiceFinder
from exchange.settings import Config, from_env
from exchange.site_cache import SiteCache
from exchange.store import Store, open_store
from exchange.supervision_routes import add_supervision_routes
from indexer.engine.searching import IndexReader, warm
from indexer.search_types import IndexUnavailable

log = logging.getLogger("zhanqun")


def _dumps(value: object) -> bytes:
    return orjson.dumps(value)


def create_app(
    config: Config,
    store: Store,
    reader: IndexReader,
    log: SearchLog | None = None,
    popular: PopularQueries | None = None,
    guard: Guard | None = None,
    best_bets: BestBets | None = None,
) -> falcon.App:
    sites = SiteCache(store)
    metrics = Metrics(SharedStateCollector(store, reader, config.index_dir))
    guard = guard or Guard.from_config(config, store)
    # Metrics first, so that every answer is timed; then CORS: a browser's preflight is
    # answered before anything asks for a key.
    app = falcon.App(
        middleware=[
            RequestMetrics(metrics),
            ClusterCors(sites),
            # Who the client is; bans before the key is looked at (a ban sparing keys checks
            # the key itself); rate limits once it is known (docs/security.md).
            ClientOrigin(guard.addresses),
            BanCheck(guard),
            KeyAuthentication(store),
            RateLimit(guard),
            PageSecurityHeaders(),
        ]
    )
    json = falcon.media.JSONHandler(dumps=_dumps, loads=orjson.loads)
    app.req_options.media_handlers[falcon.MEDIA_JSON] = json
    app.resp_options.media_handlers[falcon.MEDIA_JSON] = json
    app.req_options.auto_parse_qs_csv = True
    app.router_options.converters["whole"] = WholeNumberConverter
    popular = popular or PopularQueries.from_config(config, store)
    finder = ServiceFinder(store, sites)
    best_bets = best_bets or BestBets(store, sites)
    service = SearchService(reader, log or SearchLog(store), popular, finder, best_bets)
    app.add_route("/v1/search", SearchResource(service, sites))
    app.add_route("/v1/suggest", SuggestResource(reader, popular, finder))
    app.add_route("/openapi.json", OpenApiResource(app))
    app.add_route("/healthz", HealthResource(store, reader))
    _add_exchange_routes(app, config, store, sites)
    app.add_route("/v1/bans", BansResource(store, guard))
    app.add_route("/v1/bans/{ban_id:whole(min=1, max=2147483647)}", BanResource(store, guard))
    _add_page_routes(app, service, sites)
    add_supervision_routes(app, config, store, reader, sites, metrics, popular, best_bets)
    _add_error_handlers(app)
    return app


def _add_page_routes(app: falcon.App, service: SearchService, sites: SiteCache) -> None:
    """The results page, the embedded search box and OpenSearch (docs/search-box.md)."""
    app.add_route("/search", SearchPageResource(service, sites, templating.environment()))
    app.add_route("/embed.js", EmbedScriptResource())
    app.add_route("/opensearch.xml", OpenSearchResource(sites))
    app.add_static_route("/assets", static_dir())


def _add_exchange_routes(app: falcon.App, config: Config, store: Store, sites: SiteCache) -> None:
    """Push, pull, administration and the standard feeds (docs/exchange.md)."""
    app.add_route("/v1/records", RecordsResource(store, Marks.load(config.data_dir)))
    app.add_route("/v1/records/{site}/{local_id}", RecordResource(store))
    app.add_route("/v1/changes", ChangesResource(store, sites))
    app.add_route("/v1/grants", GrantsResource(store))
    app.add_route("/v1/grants/{owner}/{grantee}", GrantResource(store))
    app.add_route("/v1/review", ReviewQueueResource(store))
    app.add_route("/v1/review/{site}/{local_id}", ReviewDecisionResource(store))
    atom = AtomResource(store, sites)
    app.add_route("/feeds/{site}", atom)
    app.add_route("/feeds/{site}/{column:path}", atom, suffix="column")
    repository = Repository(store, "Zhanqun 站群 unified resource store", config.admin_email)
    app.add_route("/oai", OaiResource(repository))


_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    411: "length_required",
    413: "too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
}


def _error(resp: falcon.Response, status: int, code: str, message: str, field=None) -> None:
    body: ErrorDetail = {"code": code, "message": message}
    if field:
        body["field"] = field
    resp.status = status
    resp.content_type = falcon.MEDIA_JSON
    resp.data = orjson.dumps(ErrorAnswer(error=body))


def _add_error_handlers(app: falcon.App) -> None:
    def unexpected(req, resp, error, params):
        log.exception("unhandled error on %s %s", req.method, req.path)
        _error(resp, 500, "internal_error", "the server failed to answer; it has been logged")

    def http_error(req, resp, error: falcon.HTTPError, params):
        code = _HTTP_CODES.get(error.status_code, "http_error")
        _error(resp, error.status_code, code, error.description or error.title or "error")
        for name, value in (error.headers or {}).items():
            resp.set_header(name, value)

    def domain_error(req, resp, error: ZhanqunError, params):
        req.context.error_code = error.code  # the guard tells a failed login from a missing key
        _error(resp, error.status, error.code, error.message, error.field)
        for name, value in error.headers:
            resp.set_header(name, value)

    def refused_value(req, resp, error: DataError, params):
        # A value the database cannot hold, from a parameter no check foresaw (a NUL character
        # in a site code, on PostgreSQL): the request's fault, not the server's.
        log.warning("the store refused a value on %s %s: %s", req.method, req.path,
                    type(error.orig).__name__)  # fmt: skip
        _error(resp, 400, "invalid_input", "a parameter holds a value that cannot be used")

    def engine_error(answer: EngineError):
        def handle(req, resp, error: Exception, params):
            _error(resp, answer.status, answer.code, str(error), answer.field)

        return handle

    # Falcon picks the most specific handler for an error's class.
    app.add_error_handler(Exception, unexpected)
    app.add_error_handler(falcon.HTTPError, http_error)
    app.add_error_handler(ZhanqunError, domain_error)
    for kind, answer in ENGINE_ERRORS.items():
        app.add_error_handler(kind, engine_error(answer))
    app.add_error_handler(DataError, refused_value)


def get_app() -> falcon.App:
    """The app for gunicorn: settings from the environment, store and index opened here."""
    config = from_env()
    store = open_store(config.store_url)
    reader = IndexReader(
        config.index_dir,
        synonyms=config.synonyms_file,
        plain_language=config.plain_language_file,
        lexicon_in_background=True,
    )
    app = create_app(config, store, reader)
    _warm(reader)
    return app


def _warm(reader: IndexReader) -> None:
    """Before the worker takes requests (gunicorn loads the app first): a worker recycled
    after its ``max_requests`` used to open the index on its first request, seconds at a
    city's scale with every request to it queued behind. A worker that cannot warm (no
    index yet, damaged files) starts all the same and says why on /healthz."""
    started = time.monotonic()
    try:
        generation = warm(reader)
    except IndexUnavailable:
        return
    except Exception:  # the reader keeps the cause for /healthz; the worker must start
        log.exception("could not warm the index")
        return
    log.info("index generation %d warmed in %.1f s", generation, time.monotonic() - started)
