"""Wiring of supervision and operations into the app: statistics, inspection, analytics,
clicks, the dashboard, ``/readyz`` and ``/metrics`` (docs/supervision.md)."""

import falcon

from exchange.best_bets import BestBets
from exchange.dashboard.session import Sessions
from exchange.metrics.service import Metrics
from exchange.popular import PopularQueries
from exchange.resources.dashboard import (
    BestBetsFormResource,
    DashboardResource,
    LoginResource,
    LogoutResource,
    StylesheetResource,
    SuggestionsFormResource,
)
from exchange.resources.operations import MetricsResource, ReadyResource
from exchange.resources.supervision import (
    ClickRedirectResource,
    ClicksResource,
    IndexerRunsResource,
    InspectionResource,
    SearchAnalyticsResource,
    StatsResource,
)
from exchange.settings import Config
from exchange.site_cache import SiteCache
from exchange.store import Store
from indexer.engine.searching import IndexReader


def add_supervision_routes(
    app: falcon.App,
    config: Config,
    store: Store,
    reader: IndexReader,
    sites: SiteCache,
    metrics: Metrics,
    popular: PopularQueries,
    best_bets: BestBets,
) -> None:
    rules = config.rules
    app.add_route("/v1/stats", StatsResource(store, sites))
    app.add_route("/v1/inspection", InspectionResource(store, sites, rules))
    app.add_route("/v1/analytics/searches", SearchAnalyticsResource(store, sites))
    app.add_route("/v1/indexer/runs", IndexerRunsResource(store))
    app.add_route("/v1/clicks", ClicksResource(store))
    app.add_route("/click", ClickRedirectResource(store))
    sessions = Sessions(store)
    app.add_route("/admin", DashboardResource(store, sessions, rules, config.index_dir, popular))
    app.add_route("/admin/suggestions", SuggestionsFormResource(store, sessions, popular))
    app.add_route("/admin/bestbets", BestBetsFormResource(store, sessions, best_bets))
    app.add_route("/admin/login", LoginResource(sessions))
    app.add_route("/admin/logout", LogoutResource())
    app.add_route("/admin/dashboard.css", StylesheetResource())
    app.add_route("/readyz", ReadyResource(store, reader))
    app.add_route("/metrics", MetricsResource(metrics))
